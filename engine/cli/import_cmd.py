"""`perfaudit import`: a filled-in self-evaluation workbook (xlsx or csv) -> a facts file for review."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..output import safe_file_name
from .common import InputProblem, write_output


def default_output(department: str, year: int) -> Path:
    return Path("facts") / str(year) / safe_file_name(department)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="自评年度(须与表中年度一致)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="写入的事实文件(默认 facts/年度/部门.yaml;- 表示标准输出)")
@click.option("--force", is_flag=True, help="事实文件已存在时覆盖")
@click.option("--unit", type=click.Choice(["万元", "元"]), default=None,
              help="表中金额的单位(部门表未声明时必须给出;两处都给出时必须一致)")
def import_(file, year, output, force, unit):
    """把部门填写的自评表(xlsx 或 csv)导入为事实文件,每个数值注明来自哪个工作表!单元格。"""
    from ..spreadsheet.importer import import_workbook

    try:
        result = import_workbook(Path(file), year, unit, display=file)
    except InputError as error:
        raise InputProblem(error) from None
    target = Path(output) if output else default_output(result.department, year)
    destination = "-" if output == "-" else str(target)
    if output != "-":  # a facts folder such as facts/2024/ is made when missing
        target.parent.mkdir(parents=True, exist_ok=True)
    for notice in result.notices:
        click.echo(f"提示: {notice}", err=True)
    write_output(result.text, destination, force, [file])
    if output != "-":
        click.echo(f"已写出 {target}。请对照原表核对后再用 perfaudit evaluate 核查。", err=True)

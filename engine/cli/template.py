from __future__ import annotations

import click

from ..errors import InputError
from .common import InputProblem, check_output, write_output


@click.command()
@click.argument("kind", type=click.Choice(["xlsx", "csv"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="写入的文件(默认 自评表模板.xlsx 或 自评表模板.csv)")
@click.option("--from", "source", type=click.Path(dir_okay=False), default=None,
              help="用一份事实文件预先填好(如把上一年度的数据交给部门核对)")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
def template(kind, output, source, force):
    """生成预算绩效自评表模板(部门表、项目表、指标表),部门填写后用 perfaudit import 导入。"""
    output = output or f"自评表模板.{kind}"
    inputs = [source] if source else []
    check_output(output, force, inputs)
    if output == "-" and kind == "xlsx" and click.get_binary_stream("stdout").isatty():
        raise click.UsageError("xlsx 是二进制文件,不能输出到终端;请用 -o 指定文件")
    if source:
        from .. import api
        from ..spreadsheet.exporter import export_csv, export_xlsx

        try:
            reports = api.load_facts([source])
        except InputError as error:
            raise InputProblem(error) from None
        data = (export_xlsx if kind == "xlsx" else export_csv)(reports[0])
    else:
        from ..spreadsheet.template import template_csv, template_xlsx

        data = template_xlsx() if kind == "xlsx" else template_csv()
    write_output(data, output, force, inputs)
    if output != "-":
        click.echo(f"已生成 {output}。填写说明见工作簿中的“填表说明”;填好后运行 "
                   f"perfaudit import {output} --year 年度", err=True)

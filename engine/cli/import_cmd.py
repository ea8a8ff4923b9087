"""`perfaudit import`: the project's own filled-in template (xlsx or csv), or the documents departments
published (html, docx, xls, pdf, and xlsx that is not the template) -> facts files for review."""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..core.errors import Diagnostic, InputError
from ..io.output import make_parent, safe_file_name
from .common import InputProblem, check_output, input_errors, input_problem, output_errors, write_output


def is_template(path: Path, display: str) -> bool:
    """A csv, or an xlsx holding the template's project table (a header row with 项目名称 and the amounts)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return True
    if suffix not in (".xlsx", ".xlsm") or not path.is_file():
        return False
    from ..io.spreadsheet.importer import read_sheets
    from ..io.spreadsheet.tables import TableScanner
    from ..io.spreadsheet.template import PROJECTS

    try:
        sheets, _ = read_sheets(path, display)
    except InputError:
        return False  # the document reader reports it, in its own words
    return PROJECTS in TableScanner(display).scan(sheets)[1]


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--year", type=click.IntRange(1990, 2100), default=None,
              help="自评年度(本工具模板必须给出;已发布的文件从表中读出,给出时须一致)")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="已发布的文件: 写入的目录(默认 facts/年度/);一个文件时也可给出 .yaml 文件名或 - (标准输出)。"
                   "本工具模板: 写入的事实文件(默认 facts/年度/部门.yaml)")
@click.option("--force", is_flag=True, help="事实文件已存在时覆盖")
@click.option("--unit", type=click.Choice(["万元", "元"]), default=None,
              help="表中金额的单位(表中未印出或未声明时必须给出;两处都给出时必须一致)")
@click.option("--department", metavar="单位名称", default=None,
              help="原件没有印出单位名称时,由审计人员给出(事实文件中注明为审计人员给出,不是印出的);"
                   "原件印有单位名称时不必给出,给出时须一致")
@click.option("--project-name", metavar="项目名称", default=None,
              help="只有一张表、表中没有印出项目名称时,由审计人员给出(事实文件中注明为审计人员给出)")
@click.option("--province", metavar="省", default=None, help="所在省(原件未印出所在地时由审计人员给出,如 四川省)")
@click.option("--city", metavar="市", default=None, help="所在市(州)(同上,如 雅安市)")
@click.option("--county", metavar="县区", default=None, help="所在县(区)(同上,如 名山区);地方口径的规则按所在地适用")
def import_(files, year, output, force, unit, department, project_name, province, city, county):
    """把自评表导入为事实文件,每个数值注明来自哪一格。

    可导入本工具的模板(xlsx 或 csv),也可导入部门公开发布的自评表和自评报告
    (.html/.htm、.docx、.xlsx、.xls、.pdf,可一次给出多个)。"""
    templates = [f for f in files if is_template(Path(f), f)]
    if len(files) == 1 and templates:
        if department or project_name or province or city or county:
            raise input_problem([Diagnostic(files[0], 0, 0, "", "本工具模板中的名称和所在地已填写,"
                                            "不用 --department/--project-name/--province/--city/--county",
                                            suggestion="去掉这些选项")])
        _import_template(files[0], year, output, force, unit)
        return
    if templates:
        raise input_problem(Diagnostic(f, 0, 0, "", "本工具模板须单独导入", suggestion="每次导入一个模板文件")
                            for f in templates)
    region = {k: v for k, v in (("province", province), ("city", city), ("county", county)) if v}
    _import_documents(files, year, output, force, unit, department, project_name, region)


def _import_template(file, year, output, force, unit):
    from ..io.spreadsheet.importer import import_workbook

    if year is None:
        raise input_problem([Diagnostic(file, 0, 0, "", "导入本工具的模板须给出 --year", suggestion="如 --year 2024")])
    with input_errors():
        result = import_workbook(Path(file), year, unit, display=file)
    target = Path(output) if output else Path("facts") / str(year) / safe_file_name(result.department)
    if output != "-":  # a facts folder such as facts/2024/ is made when missing
        with output_errors():
            make_parent(str(target))
    for notice in result.notices:
        click.echo(f"提示: {notice}", err=True)
    write_output(result.text, str(target), force, [file])  # Path("-") is still "-": standard output
    if output != "-":
        click.echo(f"已写出 {target}。请对照原表核对后再用 perfaudit evaluate 核查。", err=True)


def _targets(groups: list, output: str | None) -> list:
    """Where each facts file goes: -o as a file (one input), or a folder (default facts/年度/), named after
    the unit (as the template import names it), or after the document where the unit's name is not printed."""
    single_file = output is not None and (output == "-" or output.endswith((".yaml", ".yml")))
    if single_file and len(groups) > 1:
        raise input_problem([Diagnostic(output, 0, 0, "", "这些文件属于多个单位或年度,-o 应是目录",
                                        suggestion="去掉文件名,只写目录,如 -o facts/2023")])
    if single_file:
        return [output]
    if output and os.path.exists(output) and not os.path.isdir(output):  # -o onto the input itself, or /dev/null
        raise input_problem([Diagnostic(output, 0, 0, "", "-o 应是目录或 .yaml 文件名,这里是一个已有的文件",
                                        suggestion="写成目录,如 -o facts/2023,或给出 .yaml 文件名")])
    targets, seen, problems = [], {}, []
    for group in groups:
        first = group[0]
        folder = Path(output) if output else Path("facts") / str(first.year)
        target = str(folder / safe_file_name(first.department or Path(first.file).name))
        if target in seen:
            problems.append(Diagnostic(first.file, 0, 0, "", f"与 {seen[target]} 会写到同一个文件 {target}",
                                       suggestion="分两次导入到不同目录,或把其中一个文件改名"))
        seen.setdefault(target, first.file)
        targets.append(target)
    if problems:
        raise input_problem(problems)
    return targets


def _import_documents(files, year, output, force, unit, department, project_name, region):
    from ..io.documents.importer import combine, grouped, import_document

    results, problems = [], []
    for file in files:
        try:
            results.append(import_document(Path(file), file, year, unit, department, project_name, region))
        except InputError as error:
            problems.extend(error.diagnostics)
    groups = grouped(results)
    combined = [combine(group) for group in groups]  # (text, problems) per group
    problems += [problem for _text, trouble in combined for problem in trouble]
    if problems:
        raise InputProblem(InputError(problems))
    targets = _targets(groups, output)
    refusals = []
    for target in targets:  # every refusal (an existing file without --force) before anything is written
        if target != "-" and Path(target).parent.is_dir():  # in a folder still to be made nothing exists
            try:
                check_output(target, force, files)
            except InputProblem as problem:
                refusals.extend(problem.error.diagnostics)
    if refusals:
        raise InputProblem(InputError(refusals))
    for group, (text, _trouble), target in zip(groups, combined, targets):
        if target != "-":
            with output_errors():
                make_parent(target)
        write_output(text, target, force, files)
        for result in group:
            _summary(result)
        if target != "-":
            click.echo(f"  已写出 {target}", err=True)
    folders = sorted({str(Path(t).parent) for t in targets if t != "-"})
    if folders:
        click.echo(f"核对后核查: perfaudit evaluate {' '.join(folders)}", err=True)


def _summary(result) -> None:
    lines = [f"{result.file}: 找到 {result.forms} 张自评表,{result.projects} 个项目,读出 {result.values_read} 个数值"
             + (f";{len(result.left_out)} 格未导入:" if result.left_out else ";所有数值格均已读出")]
    lines += [f"  {place}: {reason}" for place, reason in result.left_out]
    if result.candidates:
        lines.append(f"  文字中有 {len(result.candidates)} 条数量陈述待确认(列在事实文件末尾的注释中)")
    click.echo("\n".join(lines), err=True)

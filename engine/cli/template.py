from __future__ import annotations

import sys
from pathlib import PurePath

import click

from ..core.errors import Diagnostic, InputError
from ..render.style import is_terminal
from .common import InputProblem, check_output, input_errors, write_output


@click.command()
@click.argument("kind", type=click.Choice(["xlsx", "csv"]), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="写入的文件(默认 自评表模板.xlsx 或 自评表模板.csv);不写格式时按其扩展名(.csv 为 CSV,其余为 xlsx)")
@click.option("--from", "source", type=click.Path(dir_okay=False), default=None,
              help="用一份事实文件预先填好(如把上一年度的数据交给部门核对)")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@click.option("--rules", "rules_dir", default=None, type=click.Path(file_okay=False),
              help="规则目录,等级一栏的下拉列表取自其中的等级用语对照表(grade_vocabulary);不给时按 perfaudit.toml "
                   "等查找,找不到则等级一栏不设下拉列表")
def template(kind, output, source, force, rules_dir):
    """生成预算绩效自评表模板(部门表、项目表、指标表),部门填写后用 perfaudit import 导入。"""
    suffix = PurePath(output).suffix.lower() if output else ""
    if kind is None:  # `template -o 表.csv` says the format already
        kind = "csv" if suffix == ".csv" else "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xls", ".csv") and suffix != f".{kind}":  # import would take it by its name
        raise InputProblem(InputError([Diagnostic(output, 0, 0, "", f"文件扩展名是 {suffix},生成的却是 {kind}",
                                                  suggestion=f"把文件名改为 .{kind},或用 perfaudit template "
                                                             f"{'csv' if kind == 'xlsx' else 'xlsx'}")]))
    output = output or f"自评表模板.{kind}"
    inputs = [source] if source else []
    check_output(output, force, inputs)
    if output == "-" and kind == "xlsx" and is_terminal(sys.stdout):
        raise click.UsageError("xlsx 是二进制文件,不能输出到终端;请用 -o 指定文件")
    if source:
        from .. import api
        from ..io.spreadsheet.exporter import export_csv, export_xlsx

        with input_errors():
            reports = api.load_facts([source])
        data = export_xlsx(reports[0], _lists(rules_dir, inputs)) if kind == "xlsx" else export_csv(reports[0])
    else:
        from ..io.spreadsheet.exporter import template_xlsx
        from ..io.spreadsheet.template import template_csv

        data = template_xlsx(lists=_lists(rules_dir, inputs)) if kind == "xlsx" else template_csv()
    write_output(data, output, force, inputs)
    if output != "-":
        guide = ("填写说明见工作簿中的“填表说明”工作表,金额单位、指标类别、承诺类型(找到规则时还有等级)可从下拉列表选择"
                 if kind == "xlsx" else
                 "各表在同一个 CSV 中依次排列,每张表前一行是表名;填写说明见 perfaudit template xlsx 生成的"
                 "工作簿中的“填表说明”工作表,或 docs/reports-and-spreadsheets.md")
        click.echo(f"已生成 {output}。{guide};填好后运行 perfaudit import {output} --year 年度", err=True)


def _lists(rules_dir, facts) -> dict:
    """The template's drop-down lists; the grade list only when a rules folder is given or found."""
    from .. import api
    from ..construct.projectfile import find_rules
    from ..io.spreadsheet.lists import template_lists

    ruleset = None
    try:
        ruleset = api.load_rules(rules_dir or find_rules(facts))
    except InputError as error:
        if rules_dir is not None:  # asked for by name: its errors matter
            raise InputProblem(error) from None
    return template_lists(ruleset)

"""`perfaudit new-rule`: stub files for a new rule (engine/io/rulestub.py), never over an existing file."""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..core.errors import Diagnostic, InputError
from .common import input_errors, output_errors, rules_option


def _families() -> list:
    from ..load.validate import schema

    return schema("rules")["$defs"]["rule"]["properties"]["family"]["enum"]


@click.command("new-rule")
@click.argument("rule_id", metavar="ID")
@click.option("--family", required=True, type=click.Choice(_families()), help="规则类别")
@click.option("--subject", default="project", show_default=True,
              type=click.Choice(["report", "project", "indicator", "claim", "commitment"]),
              help="规则针对的对象:报告整体、项目、指标、正文说法或整改承诺")
@click.option("--severity", default="warning", show_default=True, type=click.Choice(["error", "warning", "info"]),
              help="级别")
@rules_option
def new_rule(rule_id, family, subject, severity, rules_dir):
    """生成新规则的草稿:规则文件、未核实的来源和四个必备测试用例(触发、恰好在界线上、不触发、无法评估)。

    草稿中写“待填写”的地方填好之前,规则不报告任何问题,perfaudit test 把四个用例判为失败并说明要填什么。
    不会覆盖任何已有文件。"""
    import re

    from .. import api
    from ..io.rulestub import RULE_ID_PATTERN, stubs

    if not re.match(RULE_ID_PATTERN, rule_id):
        raise click.BadParameter("规则编号写成 类别.名称,小写字母、数字和连字符,如 execution.below-explain-line",
                                 param_hint="ID")
    with input_errors():
        files = stubs(api.load_rules(rules_dir), rule_id, family, subject, severity)
        taken = [str(Path(rules_dir) / f.folder / f.name) for f in files
                 if os.path.lexists(Path(rules_dir) / f.folder / f.name)]
        if taken:  # checked for all files first, so that none is written when one exists
            raise InputError([Diagnostic(path, 0, 0, "", "文件已存在,不会覆盖", suggestion="换一个规则编号,或删除该文件后重试")
                              for path in taken])
    from ..io.output import write_new_files

    with output_errors():
        for f in files:
            write_new_files(Path(rules_dir) / f.folder, [(f.name, f.text)])
    for f in files:
        click.echo(f"已生成 {Path(rules_dir) / f.folder / f.name}", err=True)
    click.echo(f"把其中写“待填写”的地方填好,删去测试用例中的 todo 行,再运行 perfaudit check 和 "
               f"perfaudit test -k {rule_id}。", err=True)

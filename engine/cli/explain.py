from __future__ import annotations

import click

from .common import backend_option, check_output, files_read, force_option, input_errors, rules_option, write_output


@click.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path())
@click.option("--project", "-p", "project", required=True, help="项目名称(也可用报告中的别称)")
@click.option("--rule", "rule_ids", multiple=True, help="只解释这条规则(可重复);报告整体的规则也会详细列出")
@rules_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="写入文件而不是标准输出")
@click.option("--detail", is_flag=True, help="列出完整的判定树:每个条件的公式、代入的数值和每一步的结果")
@force_option
@backend_option
def explain(facts, project, rule_ids, rules_dir, fmt, output, force, backend, detail):
    """解释某个项目为什么被(或没有被)各条规则标记:决定结果的数值、差距、条款和数据来源(--detail 看完整判定树)。"""
    from .. import api
    from ..analysis.explain import explain_project

    inputs = files_read(facts, [rules_dir])
    check_output(output, force, inputs)
    with input_errors():
        ruleset = api.load_rules(rules_dir)
        reports = api.load_facts(facts)
        explanation = explain_project(api.compile(ruleset), reports, project, tuple(rule_ids), backend)
    if explanation.notice:
        click.echo(explanation.notice, err=True)
    if fmt == "json":
        from ..render.explain_json import render_explanation_json

        text = render_explanation_json(explanation)
    else:
        from ..render.explain_text import render_explanation

        text = render_explanation(explanation, detail)
    write_output(text, output, force, inputs)

from __future__ import annotations

import click

from .common import input_errors, rules_option, write_output


@click.command()
@rules_option
@click.argument("facts", nargs=-1, type=click.Path())
def check(rules_dir, facts):
    """检查规则文件(以及给出的事实文件)是否有效。"""
    from .. import api
    from ..render.text_report import not_in_force_lines
    from ..run.evaluate import by_scope, not_in_force

    with input_errors():
        ruleset = api.load_rules(rules_dir)
        program = api.compile(ruleset)
        reports = api.load_facts(facts) if facts else []
    parts = [f"规则 {len(ruleset.rules)} 条、参数 {len(ruleset.parameters)} 个、政策来源 {len(ruleset.sources)} 个"]
    if facts:
        parts.append(f"事实文件 {len(reports)} 份")
    unverified = sorted({f"{s.id}/{c.id}" for s in ruleset.sources.values() for c in s.clauses.values()
                         if c.verification == "unverified"})
    lines = ["检查通过: " + ",".join(parts) + "。"]
    lines += not_in_force_lines(not_in_force(program, by_scope(ruleset, reports)))
    if unverified:
        lines.append(f"注意: 以下 {len(unverified)} 个条款的原文尚未核实,引用时会标注“未核实”: " + "、".join(unverified))
    write_output("\n".join(lines) + "\n", None)

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import click

from .common import EXIT_FINDINGS, backend_option, check_output, force_option, input_errors, rules_option, write_output

# like pytest's "no tests collected": a CI job whose filter matches nothing must not pass silently
EXIT_NO_TESTS = 5


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@rules_option
@click.option("-k", "keyword", default=None, help="只运行名称、文件名或所测规则中含有该文字的用例")
@click.option("--coverage", is_flag=True, help="列出每条规则被哪些用例测到,以及从未被测到成立或不成立的分支、"
                                               "没有测试用到的参数取值;用 -k 时只统计所选用例涉及的规则")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式(json 供持续集成使用)")
@click.option("--junit-xml", "junit", type=click.Path(dir_okay=False), default=None,
              help="另将结果写成 JUnit XML 文件(持续集成系统可直接展示)")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="百分比",
              help="覆盖率(规则、分支、参数取值合计)低于该百分比时退出码为 1;隐含 --coverage")
@backend_option
@force_option
def test(paths, rules_dir, keyword, coverage, fmt, junit, min_coverage, backend, force):
    """运行规则测试(默认 规则目录/tests 下的全部测试文件);有失败时退出码为 1,没有匹配的测试时为 5。"""
    from .. import api
    from ..analysis.coverage import coverage as coverage_of
    from ..analysis.coverage import coverage_counts, parameter_coverage, render_coverage
    from ..analysis.ruletest import load_tests, run_tests, select
    from ..construct.rules import rule_files
    from ..render.ruletest_report import results_json, results_junit
    from ..render.ruletest_text import failure_texts, render_results

    with input_errors():
        program = api.compile(api.load_rules(rules_dir))
        cases = load_tests(paths or [Path(rules_dir) / "tests"], program, root=Path(rules_dir).resolve().parent)
    inputs = [c.file for c in cases] + rule_files(rules_dir)[0]
    check_output(junit, force, inputs)
    chosen = select(cases, keyword)
    if not chosen:
        where = f"与 -k {keyword} 匹配的" if keyword else ""
        click.echo(f"没有{where}测试用例(共 {len(cases)} 个用例),未运行任何测试。", err=True)
        sys.exit(EXIT_NO_TESTS)
    results = run_tests(program, chosen, backend)
    counts = None
    report, parameters = (), ()
    if coverage or min_coverage is not None:
        # with -k the selected cases' rules (and rules matching the filter) are what is being measured
        rule_ids = None if not keyword else (
            {rule for case in chosen for rule in case.rules}
            | {c.rule.id for c in program.rules if keyword.lower() in c.rule.id.lower()})
        report = coverage_of(program, results, rule_ids)
        parameters = parameter_coverage(program, results, rule_ids)
        counts = coverage_counts(report, parameters)
    skipped = len(cases) - len(chosen)
    texts = failure_texts(program, results, backend)
    if fmt == "json":
        text = results_json(results, texts, skipped, counts, report, parameters)
    else:
        text = render_results(results, texts, skipped,
                              render_coverage(report, parameters) if counts is not None else "")
    if junit:
        write_output(results_junit(results, texts), junit, force, inputs)
    write_output(text, None)
    if any(not r.passed for r in results):
        sys.exit(EXIT_FINDINGS)
    if min_coverage is not None and counts["percent"] < Decimal(str(min_coverage)):
        click.echo(f"覆盖率 {counts['percent']}% 低于 --min-coverage {min_coverage:g}%。", err=True)
        sys.exit(EXIT_FINDINGS)

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from .common import EXIT_FINDINGS, InputProblem, backend_option, rules_option, write_output


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@rules_option
@click.option("-k", "keyword", default=None, help="只运行名称、文件名或所测规则中含有该文字的用例")
@click.option("--coverage", is_flag=True, help="列出每条规则被哪些用例测到,以及从未被测到成立或不成立的分支")
@backend_option
def test(paths, rules_dir, keyword, coverage, backend):
    """运行规则测试(默认 规则目录/tests 下的全部测试文件);有失败时退出码为 1。"""
    from .. import api
    from ..coverage import coverage as coverage_of
    from ..coverage import render_coverage
    from ..render.ruletest_text import render_results
    from ..ruletest import load_tests, run_tests, select

    try:
        program = api.compile(api.load_rules(rules_dir))
        cases = load_tests(paths or [Path(rules_dir) / "tests"], program, root=Path(rules_dir).resolve().parent)
    except InputError as error:
        raise InputProblem(error) from None
    chosen = select(cases, keyword)
    results = run_tests(program, chosen, backend)
    coverage_text = render_coverage(coverage_of(program, results)) if coverage else ""
    write_output(render_results(program, results, backend, len(cases) - len(chosen), coverage_text), None)
    if any(not r.passed for r in results):
        sys.exit(EXIT_FINDINGS)

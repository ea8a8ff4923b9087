from __future__ import annotations

import tempfile

import click

from ..core.errors import Diagnostic
from .common import (backend_option, check_output, files_read, force_option, input_errors, input_problem,
                     located_rules, write_output)


@click.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path())
@click.option("--rules", "rules", multiple=True, metavar="DIR|git:REV",
              help="规则目录,或 git:修订版本(该版本的 rules/)。给两次(旧、新)时对比规则变更的影响;"
                   "给一次或不给时对比两个年度;不给时按 perfaudit.toml 等查找(见 evaluate --help)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="输出格式(html 仅用于年度对比)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="写入文件而不是标准输出")
@click.option("--as-year", "as_year", type=click.IntRange(1990, 2100), default=None, metavar="年度",
              help="对比两套规则时,把事实当作该年度的报告核查(预览以后年度生效的参数取值);事实须只含一个年度")
@force_option
@backend_option
def diff(facts, rules, fmt, output, force, backend, as_year):
    """对比核查结果。

    \b
    规则变更影响: perfaudit diff --rules 旧目录 --rules 新目录 FACTS...
                  (也可写 --rules git:HEAD,取该版本的 rules/)
    年度对比:     perfaudit diff FACTS_A FACTS_B [--rules DIR]
                  (FACTS_A、FACTS_B 各为一个年度的事实文件或目录)
    """
    if len(rules) > 2:
        raise click.UsageError("--rules 最多给两次(旧规则、新规则)")
    from ..analysis.diff import GIT_PREFIX

    inputs = files_read(facts, [spec for spec in rules or ["rules"] if not spec.startswith(GIT_PREFIX)])
    check_output(output, force, inputs)
    with input_errors():
        with tempfile.TemporaryDirectory(prefix="perfaudit-rules-") as scratch:
            if len(rules) == 2:
                if fmt == "html":
                    raise click.UsageError("规则变更影响只支持 --format text 或 json")
                text = _rule_impact(rules, facts, fmt, backend, scratch, as_year)
            elif as_year is not None:
                raise click.UsageError("--as-year 只用于对比两套规则(给两次 --rules)")
            else:
                text = _years(rules[0] if rules else located_rules(facts), facts, fmt, backend, scratch)
    write_output(text, output, force, inputs)


def _rules_folder(spec: str, scratch: str, n: int) -> str:
    from ..analysis.diff import GIT_PREFIX, rules_from_git

    return rules_from_git(spec, f"{scratch}/{n}") if spec.startswith(GIT_PREFIX) else spec


def _rule_impact(rules, facts, fmt, backend, scratch, year=None) -> str:
    from .. import api
    from ..analysis.diff import rule_impact
    from ..analysis.rulechanges import as_year, rule_folder_changes
    from ..render.diff_report import evidence_formats, impact_json, impact_text, parameter_kinds

    folders = [_rules_folder(spec, scratch, n) for n, spec in enumerate(rules)]
    old_rules, new_rules = api.load_rules(folders[0]), api.load_rules(folders[1])
    reports = api.load_facts(facts)
    if year is not None:
        reports = as_year(reports, year, " ".join(facts))
    digest = api.facts_digest(facts)
    old = api.evaluate(old_rules, reports, backend=backend, facts_hash=digest)
    new = api.evaluate(new_rules, reports, backend=backend, facts_hash=digest)
    if new.notice:
        click.echo(new.notice, err=True)
    impact = rule_impact(old, new, old_rules, new_rules, rules[0], rules[1])
    changes = rule_folder_changes(old_rules, new_rules, folders[0], folders[1], year, reports)
    if fmt == "json":
        return impact_json(impact, changes)
    return impact_text(impact, evidence_formats(old_rules, new_rules), changes, parameter_kinds(old_rules, new_rules))


def _single_year(path: str) -> int:
    from .. import api

    years = sorted({r.year for r in api.load_facts([path])})
    if len(years) != 1:
        raise input_problem([Diagnostic(path, 0, 0, "", f"应只包含一个年度的报告,实际包含 {'、'.join(map(str, years))} 年",
                                        "年度对比时 FACTS_A、FACTS_B 各给一个年度的文件或目录")])
    return years[0]


def _years(rules_spec, facts, fmt, backend, scratch) -> str:
    from .. import api
    from ..analysis.diff import year_over_year
    from ..render.diff_report import evidence_formats, years_html, years_json, years_text

    if len(facts) != 2:
        raise click.UsageError(f"年度对比需要两组事实(FACTS_A FACTS_B),实际给了 {len(facts)} 组;"
                               "对比两套规则时请给两次 --rules")
    year_a, year_b = _single_year(facts[0]), _single_year(facts[1])
    if year_a >= year_b:
        raise input_problem([Diagnostic(facts[1], 0, 0, "", f"FACTS_B 的年度 {year_b} 应晚于 FACTS_A 的年度 {year_a}",
                                        suggestion="按时间先后给出: perfaudit diff 较早年度 较晚年度")])
    ruleset = api.load_rules(_rules_folder(rules_spec, scratch, 0))
    reports = api.load_facts(facts)
    result = api.evaluate(ruleset, reports, backend=backend, facts_hash=api.facts_digest(facts))
    if result.notice:
        click.echo(result.notice, err=True)
    diff = year_over_year(result.findings, reports, year_a, year_b)
    if fmt == "json":
        return years_json(diff)
    if fmt == "html":
        return years_html(diff, evidence_formats(ruleset))
    return years_text(diff)

"""Render rule-test results: one line per case, and for each failure the expected and actual findings
and the explanation of the rule involved. The last line is always `N passed, N failed`."""
from __future__ import annotations

from itertools import groupby

from ..analysis.explain import OUTCOME_LABELS, Explainer
from ..analysis.ruletest import Failure
from ..core.findings import format_value, template_fields
from .explain_text import rule_lines


def finding_line(f, formats: dict) -> str:
    """formats: evidence label -> the format its rule's message prints it with (pct, wan ...)."""
    evidence = ",".join(f"{label}={format_value(value, formats.get(label, ''))}" for label, value in f.evidence)
    where = f.project or "报告整体"
    if f.subject not in (f.project, "报告"):
        where += f" / {f.subject}"
    return f"[{OUTCOME_LABELS[f.outcome]}] {f.rule} ({where}) {f.message}" + (f"  证据: {evidence}" if evidence else "")


def todo_line(case) -> str:
    return f"用例尚未写完({case.file}:{case.line} 的 todo):{case.todo.removeprefix('待填写:')};填好后删去 todo 行"


def failure_lines(failure: Failure, explainer: Explainer, case) -> list[str]:
    e = failure.expectation
    verb = "不应出现" if failure.unwanted else "应当出现"
    actual = "实际出现:" if failure.unwanted else "实际该规则的发现:" + ("" if failure.findings else " (无)")
    out = [f"      {verb}: {e.describe()}  ({e.file}:{e.line})", f"      {actual}"]
    rules = {r.id: r for r in explainer.program.ruleset.rules}
    for f in failure.findings:
        formats = dict(template_fields(rules[f.rule].message)) if f.rule in rules else {}
        out.append(f"        {finding_line(f, formats)}")
    explanations = [x for report in case.reports
                    for x in explainer.rule_on(report, e.rule, e.project, e.subject)]
    if any(x.outcome != "not-applicable" for x in explanations):
        explanations = [x for x in explanations if x.outcome != "not-applicable"]
    if explanations:
        out.append("      规则的判定过程:")
        for x in explanations:
            out.extend(rule_lines(x, "        ", citations=False))
    else:
        out.append("      规则的判定过程: 该规则没有适用的对象(检查项目名称、对象和事实)")
    return out


def failure_texts(program, results: list, backend: str = "auto") -> list:
    """Per result, per failure: its failure_lines. The text, JSON and JUnit outputs all print these lines, so
    they are explained once (one Explainer) however many of the outputs are asked for."""
    with Explainer(program, backend) as explainer:
        return [[failure_lines(f, explainer, r.case) for f in r.failures] for r in results]


def render_results(results: list, texts: list, skipped: int = 0, coverage_text: str = "") -> str:
    """texts: failure_texts of the results."""
    out = []
    failed = [r for r in results if not r.passed]
    for file, group in groupby(zip(results, texts), key=lambda pair: pair[0].case.file):
        out.append(file)
        for result, lines in group:
            out.append(f"  {'通过' if result.passed else '失败'}  {result.case.name}")
            if result.case.todo:
                out.append(f"      {todo_line(result.case)}")
            out.extend(line for failure in lines for line in failure)
    if skipped:
        out.append(f"(按 -k 筛选,跳过 {skipped} 个用例)")
    if coverage_text:
        out += ["", coverage_text.rstrip("\n")]
    out.append(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return "\n".join(out) + "\n"

"""Golden test: what the shipped rules must find in the 2024 seed report (issue 2, section 7)."""
from __future__ import annotations

import json

import pytest

from engine import evaluate

from .conftest import BACKENDS


def keyed(evaluation):
    return {(f.rule, f.project, f.subject) for f in evaluation.findings}


@pytest.fixture(scope="module", params=BACKENDS)
def result(request, ruleset, seed_reports):
    return evaluate(ruleset, seed_reports, backend=request.param)


def test_execution_rate_warnings_exactly_the_three_low_projects(result):
    flagged = {f.project for f in result.findings if f.rule == "execution.below-warning-line"}
    assert flagged == {"智慧城管", "文明创建", "垃圾分类"}


def test_grades_reported_below_the_national_band(result):
    flagged = {f.project: dict(f.evidence)["应评等级"] for f in result.findings if f.rule == "grading.band-mismatch"}
    assert flagged == {"智慧城管": "优", "文明创建": "优", "垃圾分类": "优"}


def test_indicator_targets_exceeding_the_budget(result):
    flagged = {(f.project, f.subject) for f in result.findings if f.rule == "indicator-review.target-exceeds-budget"}
    assert flagged == {("文明创建", "投入金额"), ("垃圾分类", "投入金额"), ("智慧城管", "投入金额")}
    other = {f.project for f in result.findings if f.rule == "indicator-review.includes-other-departments"}
    assert other == {"文明创建"}


def test_cross_department_without_memo(result):
    flagged = [f for f in result.findings if f.family == "cross-department"]
    assert [(f.project, dict(f.evidence)["缺少文件的部门"]) for f in flagged] == [("文明创建", ["宣传部"])]


def test_consistency_findings(result):
    rules = {(f.rule, f.subject) for f in result.findings if f.family == "consistency"}
    assert rules == {
        ("consistency.total-initial", "报告"),
        ("consistency.total-full-year", "报告"),
        ("consistency.total-executed", "报告"),
        ("consistency.claim-budget-total", "正文 c05"),
        ("consistency.claim-vs-printed-total", "正文 c06"),
        ("consistency.claim-overall-rate", "正文 c07"),
        ("consistency.claim-project-count", "正文 c10"),
        ("consistency.claim-contradiction", "正文 c11"),
        ("consistency.claim-complement", "正文 c12"),
        ("consistency.claim-amount-unit", "正文 c14"),
        ("consistency.claim-contradicts-general", "正文 c19"),
        ("consistency.claim-contradicts-general", "正文 c20"),
    }
    # 城管进社区 prints 94.29% where 33.79 / 35.84 = 94.28%; amounts printed to 0.01 allow 94.25% to 94.31%
    assert ("consistency.project-rate", "城管进社区") not in rules


def test_no_cannot_evaluate_on_complete_seed(result):
    assert [f for f in result.findings if f.outcome != "fired"] == []


def test_every_finding_cites_policy_and_facts(result):
    for f in result.findings:
        kinds = {c.kind for c in f.citations}
        assert "policy" in kinds, f.rule
        assert "fact" in kinds, f.rule


def test_cli_demo_command_text(runner):
    from engine.cli import cli

    from .conftest import FACTS_2024, RULES

    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES)])
    assert result.exit_code == 0, result.output
    assert "智慧城管全年执行 111.85万元 / 全年预算 170.35万元 = 执行率 65.66%，低于预警线 70%" in result.output


def test_json_is_deterministic_and_backend_independent(runner):
    from engine.cli import cli

    from .conftest import FACTS_2024, RULES

    outputs = {runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "json",
                                   "--backend", b]).output for b in BACKENDS + BACKENDS}
    assert len(outputs) == 1
    document = json.loads(outputs.pop())
    assert document["summary"]["findings"] == 23
    assert set(document["run"]) == {"rules_hash", "facts_hash", "version"}

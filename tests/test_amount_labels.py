"""A cited amount is named with the unit printed where it was read: a report printed in 元 cites 全年执行(元),
not the engine's 万元 (its lines hold 元), in findings, in "cannot evaluate" messages and in explain, and a
finding that reads two years' reports names each year's own unit."""
from __future__ import annotations

import shutil

import pytest

from engine import compile, evaluate, load_facts
from engine.analysis.explain import explain_project
from engine.core.findings import FactCitation

from .conftest import BACKENDS, FIXTURES

REPORT_IN_YUAN = """department: 某县林业局
year: 2024
unit: 元
document:
  title: 某县林业局2024年度项目支出绩效自评表
projects:
  - name: 林业改革
    budget: {section: 表 行次1, initial: 528000, full_year: 528000, executed: null}
"""


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


def fact_fields(finding) -> list:
    return [(c.file.rsplit("/", 2)[-2], c.field) for c in finding.citations if isinstance(c, FactCitation)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_years_amounts_are_named_in_that_years_unit(tmp_path, program, backend):
    """2024 printed in 元 (the same figures read as 元), 2025 in 万元: the finding on 2025 reads both."""
    for year in ("2024", "2025"):
        (tmp_path / year).mkdir()
        shutil.copy(FIXTURES / "facts" / year / "杜集区城市管理局.yaml", tmp_path / year)
    older = tmp_path / "2024" / "杜集区城市管理局.yaml"
    older.write_text(older.read_text(encoding="utf-8").replace("\nunit: 万元\n", "\nunit: 元\n", 1), encoding="utf-8")
    evaluation = evaluate(program, load_facts([tmp_path]), backend=backend)
    [again] = [f for f in evaluation.findings if f.rule == "follow-up.below-warning-line-again"]
    assert fact_fields(again) == [("2024", "项目"), ("2024", "全年预算(元)"), ("2024", "全年执行(元)"),
                                  ("2025", "全年预算(万元)"), ("2025", "全年执行(万元)")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_missing_amount_is_named_in_the_reports_unit(tmp_path, program, backend):
    path = tmp_path / "2024" / "a.yaml"
    path.parent.mkdir()
    path.write_text(REPORT_IN_YUAN, encoding="utf-8")
    reports = load_facts([path])
    evaluation = evaluate(program, reports, backend=backend)
    [unknown] = [f for f in evaluation.findings if f.rule == "execution.over-budget"]
    assert unknown.outcome == "cannot-evaluate"
    assert "全年执行(元)" in unknown.message and "万元" not in unknown.message
    assert fact_fields(unknown) == [("2024", "全年执行(元)")]  # printed blank (null), so cited
    [project] = explain_project(program, reports, "林业改革", ["execution.over-budget"], backend).projects
    [rule] = project.rules
    assert rule.message == unknown.message


def test_the_parts_of_a_target_and_an_actual_are_named_with_them(tmp_path, program):
    """Both are Quantities: a finding citing an indicator's target and actual cited two facts called 原文 (or
    数值(区间为上限), 24,110 times in a 10,000-project run), which an auditor could not tell apart."""
    from engine.core.catalog import label_of

    assert label_of("Indicator", ("target", "value")) == "年度指标值的数值(区间为上限)"
    assert label_of("Claim", ("where", "field")) == "条件的字段"
    assert label_of("Claim", ("text",)) == "原文" and label_of("Project", ("budget", "executed")) == "全年执行(万元)"
    path = tmp_path / "2024" / "a.yaml"
    path.parent.mkdir()
    path.write_text(REPORT_IN_YUAN + """    indicators:
      - name: 验收合格率
        kind: 产出-质量
        section: 表 绩效指标 第1行
        target: "≥95%"
        actual: "90%"
        weight: 10
        score: 10
""", encoding="utf-8")
    evaluation = evaluate(program, load_facts([path]), backend="python")
    [full_marks] = [f for f in evaluation.findings if f.rule == "scoring.full-marks-target-missed"]
    fields = [field for _, field in fact_fields(full_marks)]
    assert fields == ["指标", "年度指标值的数值(区间为上限)", "实际完成值的数值(区间为上限)", "分值", "得分"]

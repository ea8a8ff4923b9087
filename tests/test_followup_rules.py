"""Every cross-year rule (rules/follow-up.yaml) on small two-year facts, with its boundaries, on both backends."""
from __future__ import annotations

import pytest

from engine import compile, evaluate, load_facts
from engine.run.subjects import subjects_of

from .conftest import BACKENDS
from .factsfile import D, approval, project, write_facts
from .outcomes import rule_outcomes


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


def commitment(kind, ident="k1", **extra):
    return {"id": ident, "section": "四(二)2 正文", "text": f"承诺{ident}", "kind": kind, **extra}


def two_years(tmp_path, before, after, commitments=()):
    write_facts(tmp_path, before, year=2024, commitments=commitments)
    write_facts(tmp_path, after, year=2025)
    return load_facts([tmp_path])


def outcomes(program, reports, rule_id) -> dict:
    """{(year, project, subject label): outcome} for one rule; both backends must give the same."""
    labels = {s.key: (s.report.year, s.project, s.label) for r in reports for s in subjects_of(r)}
    results = []
    for backend in BACKENDS:
        every = rule_outcomes(program, reports, backend)
        results.append({labels[key]: outcome for (rule, key), outcome in every.items() if rule == rule_id})
    assert all(r == results[0] for r in results), results
    return results[0]


def findings(program, reports, rule_id):
    return [f for f in evaluate(program, reports, backend="python").findings if f.rule == rule_id]


# ---- commitment to sign a collaboration document -------------------------------------

SIGN = "follow-up.collaboration-document-not-signed"


def memo_case(tmp_path, approvals, counterpart="宣传部"):
    before = [project("文明", full_year=D(20), executed=D(20))]
    after = [project("文明", full_year=D(20), executed=D(20), departments_involved=["宣传部"], approvals=approvals)]
    return two_years(tmp_path, before, after, [commitment("签订协同文件", project="文明", counterpart=counterpart)])


@pytest.mark.parametrize("approvals, expected", [
    ([approval("宣传部", year=2025)], "passed"),  # signed in the year it was due
    ([approval("宣传部", year=2024)], "passed"),  # signed earlier still counts
    ([approval("宣传部", kind="联合发文", year=2025)], "passed"),
    ([], "fired"),
    ([approval("文明办", year=2025)], "fired"),  # with another department
    ([approval("宣传部", year=2026)], "fired"),  # dated after the due year
    ([approval("宣传部", kind="会议纪要", year=2025)], "fired"),  # not a recognised collaboration document
])
def test_collaboration_document(program, tmp_path, approvals, expected):
    reports = memo_case(tmp_path, approvals)
    assert outcomes(program, reports, SIGN) == {(2025, "文明", "2024年承诺 k1"): expected}


def test_collaboration_document_message_and_severity(program, tmp_path):
    [finding] = findings(program, memo_case(tmp_path, [approval("文明办", year=2025)]), SIGN)
    assert finding.severity == "error" and finding.year == 2025 and finding.project == "文明"
    assert finding.message == ("2024 年报告承诺“承诺k1”,但 2025 年文明没有与宣传部签订的协同文件"
                               "(协同备忘录、跨部门协同审批、联合发文);已记录的文件: 协同备忘录")
    cited = {(c.file.split("/")[-1], c.section) for c in finding.citations if c.kind == "fact"}
    assert ("测试局-2024.yaml", "四(二)2 正文") in cited  # the commitment
    assert {c.source for c in finding.citations if c.kind == "policy"} == {"qingdao-2014", "dujiqu-cgj-2024"}


def test_nothing_is_checked_before_the_due_year_is_loaded(program, tmp_path):
    write_facts(tmp_path, [project("文明")], year=2024,
                commitments=[commitment("签订协同文件", project="文明", counterpart="宣传部")])
    reports = load_facts([tmp_path])
    assert outcomes(program, reports, SIGN) == {}


# ---- a committed project that disappeared ---------------------------------------------

MISSING = "follow-up.committed-project-missing"


def test_committed_project_missing(program, tmp_path):
    before = [project("文明"), project("垃圾")]
    reports = two_years(tmp_path, before, [project("垃圾")], [
        commitment("签订协同文件", "k1", project="文明", counterpart="宣传部"),
        commitment("资金用途", "k2", project="垃圾"),
        commitment("预算倾斜", "k3", budget_decrease=["文明"]),
        commitment("执行率预警", "k4")])
    assert outcomes(program, reports, MISSING) == {
        (2025, "文明", "2024年承诺 k1"): "fired",
        (2025, "垃圾", "2024年承诺 k2"): "passed",
        (2025, "文明", "2024年承诺 k3"): "not-applicable",  # dropping a project is how a budget shrinks
        (2025, None, "2024年承诺 k4"): "not-applicable",
    }
    # the memo rule cannot judge a project that is not there; the missing-project rule speaks instead
    assert outcomes(program, reports, SIGN)[(2025, "文明", "2024年承诺 k1")] == "not-applicable"


def test_a_declared_rename_is_not_missing(program, tmp_path):
    after = project("文明实践", approvals=[approval("宣传部", year=2025)])
    after["renamed_from"] = ["文明"]
    reports = two_years(tmp_path, [project("文明")], [after],
                        [commitment("签订协同文件", project="文明", counterpart="宣传部")])
    assert outcomes(program, reports, MISSING) == {(2025, "文明实践", "2024年承诺 k1"): "passed"}
    assert outcomes(program, reports, SIGN) == {(2025, "文明实践", "2024年承诺 k1"): "passed"}


# ---- unfinished work committed into next year's budget -------------------------------

CARRY = "follow-up.carryover-not-budgeted"


@pytest.mark.parametrize("after, expected", [
    ([project("智慧", full_year=D("0.01"))], "passed"),
    ([project("智慧", full_year=D("0"))], "fired"),
    ([project("智慧", full_year=D("0.00"), executed=D("0"))], "fired"),
    ([project("其他", full_year=D(5))], "fired"),  # no such project next year
    ([project("智慧")], "cannot-evaluate"),  # budget not transcribed
])
def test_carryover(program, tmp_path, after, expected):
    reports = two_years(tmp_path, [project("智慧", full_year=D(170)), project("其他")], after,
                        [commitment("纳入下年预算", project="智慧")])
    [(key, outcome)] = outcomes(program, reports, CARRY).items()
    assert outcome == expected


def test_carryover_message(program, tmp_path):
    reports = two_years(tmp_path, [project("智慧"), project("其他")], [project("其他", full_year=D(5))],
                        [commitment("纳入下年预算", project="智慧")])
    [finding] = findings(program, reports, CARRY)
    assert finding.severity == "error" and finding.project == "智慧"
    assert "2025 年报告中智慧没有预算安排(报告中有该项目: 否;全年预算: (缺失))" in finding.message


# ---- budget tilted up / compressed down -----------------------------------------------

TILT = "follow-up.budget-direction-not-kept"


@pytest.mark.parametrize("up_after, down_after, expected_up, expected_down", [
    (D("46.01"), D("19.99"), "passed", "passed"),
    (D("46.00"), D("20.00"), "fired", "fired"),  # unchanged is not kept, either way
    (D("45.99"), D("20.01"), "fired", "fired"),
    (None, None, "cannot-evaluate", "cannot-evaluate"),
])
def test_budget_direction(program, tmp_path, up_after, down_after, expected_up, expected_down):
    before = [project("车辆", full_year=D("46.00")), project("垃圾", full_year=D("20.00"))]
    after = [project("车辆", full_year=up_after), project("垃圾", full_year=down_after)]
    reports = two_years(tmp_path, before, after,
                        [commitment("预算倾斜", budget_increase=["车辆"], budget_decrease=["垃圾"])])
    assert outcomes(program, reports, TILT) == {(2025, "车辆", "2024年承诺 k1"): expected_up,
                                                (2025, "垃圾", "2024年承诺 k1"): expected_down}


def test_budget_direction_when_a_project_is_dropped(program, tmp_path):
    before = [project("车辆", full_year=D(46)), project("垃圾", full_year=D(20)), project("留", full_year=D(1))]
    reports = two_years(tmp_path, before, [project("留", full_year=D(1))],
                        [commitment("预算倾斜", budget_increase=["车辆"], budget_decrease=["垃圾"])])
    assert outcomes(program, reports, TILT) == {(2025, "车辆", "2024年承诺 k1"): "fired",
                                                (2025, "垃圾", "2024年承诺 k1"): "passed"}


def test_budget_direction_follows_renames_and_aliases(program, tmp_path):
    renamed = project("车辆保障", full_year=D(40))
    renamed["renamed_from"] = ["车辆维护"]
    reports = two_years(tmp_path, [project("车辆维护", aliases=["车辆运行维护"], full_year=D(46))], [renamed],
                        [commitment("预算倾斜", budget_increase=["车辆运行维护"])])
    [finding] = findings(program, reports, TILT)
    assert finding.project == "车辆保障" and finding.severity == "warning"
    assert finding.message == ("2024 年报告承诺增加车辆运行维护的预算(“承诺k1”),但 2025 年全年预算 40万元,"
                               "上年为 46万元,未增加")


def test_other_commitment_kinds_are_not_budget_commitments(program, tmp_path):
    reports = two_years(tmp_path, [project("甲", full_year=D(5))], [project("甲", full_year=D(5))],
                        [commitment("纳入下年预算", project="甲")])
    assert set(outcomes(program, reports, TILT).values()) == {"not-applicable"}


# ---- below the warning line two years running ----------------------------------------

AGAIN = "follow-up.below-warning-line-again"
FIRST = "execution.below-warning-line"


@pytest.mark.parametrize("before, after, expected", [
    (D("69.99"), D("69.99"), "fired"),
    (D("70.00"), D("50.00"), "passed"),  # exactly on the line last year: not below it
    (D("50.00"), D("70.00"), "passed"),
    (D("80.00"), D("50.00"), "passed"),  # first occurrence: only the ordinary warning
])
def test_below_warning_line_again(program, tmp_path, before, after, expected):
    reports = two_years(tmp_path, [project("垃圾", full_year=D(100), executed=before)],
                        [project("垃圾", full_year=D(100), executed=after)])
    assert outcomes(program, reports, AGAIN) == {(2024, "垃圾", "垃圾"): "not-applicable",
                                                 (2025, "垃圾", "垃圾"): expected}
    first = outcomes(program, reports, FIRST)[(2025, "垃圾", "垃圾")]
    assert first == ("fired" if after < 70 else "passed")


def test_escalated_finding_is_an_error_distinct_from_the_warning(program, tmp_path):
    reports = two_years(tmp_path, [project("垃圾", full_year=D(20), executed=D(10))],
                        [project("垃圾", full_year=D(20), executed=D(11))])
    found = {f.rule: f for f in evaluate(program, reports, backend="python").findings if f.year == 2025}
    assert found[AGAIN].severity == "error" and found[FIRST].severity == "warning"
    assert found[AGAIN].message == "垃圾执行率连续两年低于预警线 70%:上年(垃圾)50%,2025 年 55%;整改未见成效"
    files = {c.file.split("/")[-1] for c in found[AGAIN].citations if c.kind == "fact"}
    assert files == {"测试局-2024.yaml", "测试局-2025.yaml"}  # cites both years' facts


def test_below_warning_line_again_needs_the_link(program, tmp_path):
    after = project("垃圾新", full_year=D(20), executed=D(11))
    reports = two_years(tmp_path, [project("垃圾", full_year=D(20), executed=D(10))], [after])
    assert outcomes(program, reports, AGAIN)[(2025, "垃圾新", "垃圾新")] == "not-applicable"
    after["renamed_from"] = ["垃圾"]
    write_facts(tmp_path, [after], year=2025)
    assert outcomes(program, load_facts([tmp_path]), AGAIN)[(2025, "垃圾新", "垃圾新")] == "fired"


def test_below_warning_line_again_with_missing_amounts(program, tmp_path):
    reports = two_years(tmp_path, [project("垃圾", full_year=D(20), executed=D(10))], [project("垃圾", executed=D(1))])
    assert outcomes(program, reports, AGAIN)[(2025, "垃圾", "垃圾")] == "cannot-evaluate"
    reports = two_years(tmp_path, [project("垃圾", full_year=D(0), executed=D(0))],
                        [project("垃圾", full_year=D(20), executed=D(1))])
    assert outcomes(program, reports, AGAIN)[(2025, "垃圾", "垃圾")] == "not-applicable"

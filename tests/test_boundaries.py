"""Boundary cases for every shipped rule, on small facts files, on every available backend.

Each case is decided by exact Decimal arithmetic: 5.81 / 8.3 is exactly 70%, 90 points is 优,
89.99 is 良, and a reported rate is checked against half a unit of its last printed digit.
"""
from __future__ import annotations

import pytest

from engine import compile, evaluate, load_facts

from .conftest import BACKENDS
from .factsfile import D, approval, claim, indicator, project, write_facts
from .outcomes import outcome_for, rule_outcomes

FIRED, PASSED, NOT_APPLICABLE, UNKNOWN = "fired", "passed", "not-applicable", "cannot-evaluate"


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def run(tmp_path, program, backend):
    """run(projects, **facts options) -> (findings, outcomes) for one department-year."""
    counter = iter(range(1000))

    def go(projects, **kwargs):
        folder = tmp_path / f"case{next(counter)}"
        write_facts(folder, projects, **kwargs)
        reports = load_facts([folder])
        result = evaluate(program, reports, backend=backend)
        return result.findings, rule_outcomes(program, reports, backend)

    return go


def findings_of(findings, rule_id):
    return [f for f in findings if f.rule == rule_id]


# ---- execution-rate -----------------------------------------------------------

def test_exactly_seventy_percent_is_not_below_the_line(run):
    findings, outcomes = run([project(full_year=D("8.3"), executed=D("5.81"))])
    assert outcome_for(outcomes, "execution.below-warning-line", 0) == PASSED
    assert findings_of(findings, "execution.below-warning-line") == []


def test_just_below_seventy_percent_is_flagged(run):
    findings, outcomes = run([project(full_year=D("100"), executed=D("69.99"))])
    assert outcome_for(outcomes, "execution.below-warning-line", 0) == FIRED
    [finding] = findings_of(findings, "execution.below-warning-line")
    assert finding.severity == "warning"
    assert dict(finding.evidence)["执行率"] == D("0.6999")
    assert "执行率 69.99%,低于预警线 70%" in finding.message


def test_zero_budget_is_not_applicable_rather_than_division_error(run):
    findings, outcomes = run([project(full_year=D("0"), executed=D("0"))])
    assert outcome_for(outcomes, "execution.below-warning-line", 0) == NOT_APPLICABLE
    assert findings_of(findings, "execution.below-warning-line") == []


def test_missing_executed_amount_cannot_be_evaluated(run):
    findings, outcomes = run([project(full_year=D("10"))])
    assert outcome_for(outcomes, "execution.below-warning-line", 0) == UNKNOWN
    [finding] = findings_of(findings, "execution.below-warning-line")
    assert (finding.outcome, finding.severity) == (UNKNOWN, "info")
    assert "全年执行" in finding.message


def test_explanation_line_is_exclusive_and_satisfied_by_an_explanation(run):
    findings, outcomes = run([
        project("到线", full_year=D("10"), executed=D("9")),
        project("未到线", full_year=D("10"), executed=D("8.99")),
        project("已说明", full_year=D("10"), executed=D("8.99"), explanation="招标延迟"),
    ])
    assert [outcome_for(outcomes, "execution.explanation-missing", i) for i in range(3)] == [PASSED, FIRED, PASSED]
    assert [f.project for f in findings_of(findings, "execution.explanation-missing")] == ["未到线"]


def test_over_budget_by_one_cent(run):
    _, outcomes = run([project("相等", full_year=D("8.30"), executed=D("8.3")),
                       project("超出", full_year=D("8.30"), executed=D("8.31"))])
    assert outcome_for(outcomes, "execution.over-budget", 0) == PASSED
    assert outcome_for(outcomes, "execution.over-budget", 1) == FIRED


# ---- grading ------------------------------------------------------------------

@pytest.mark.parametrize("total, grade, expected, should_be", [
    (D("90"), "良好", FIRED, "优"),
    (D("90.00"), "合格", FIRED, "优"),
    (D("89.99"), "良", PASSED, "良"),
    (D("89.99"), "优秀", FIRED, "良"),
    (D("80"), "良好", PASSED, "良"),
    (D("80"), "合格", FIRED, "良"),
    (D("79.99"), "中", PASSED, "中"),
    (D("60"), "中等", PASSED, "中"),
    (D("59.99"), "差", PASSED, "差"),
    (D("100"), "优秀", PASSED, "优"),
    (D("0"), "差", PASSED, "差"),
])
def test_grade_bands_are_half_open(run, total, grade, expected, should_be):
    findings, outcomes = run([project(total=total, grade=grade)])
    assert outcome_for(outcomes, "grading.band-mismatch", 0) == expected
    if expected == FIRED:
        [finding] = findings_of(findings, "grading.band-mismatch")
        assert dict(finding.evidence)["应评等级"] == should_be
        assert f"应评为“{should_be}”,报告填写为“{grade}”" in finding.message
    else:
        assert findings_of(findings, "grading.band-mismatch") == []


def test_unknown_grade_word_is_reported_and_band_check_not_applicable(run):
    findings, outcomes = run([project(total=D("95"), grade="优良")])
    assert outcome_for(outcomes, "grading.unknown-grade-word", 0) == FIRED
    assert outcome_for(outcomes, "grading.band-mismatch", 0) == NOT_APPLICABLE
    [finding] = findings_of(findings, "grading.unknown-grade-word")
    assert "“优良”不在等级用语对照表中" in finding.message
    assert findings_of(findings, "grading.band-mismatch") == []


def test_missing_score_is_cannot_evaluate_not_a_silent_pass(run):
    findings, outcomes = run([project(full_year=D("10"), executed=D("10"))])
    for rule in ("grading.band-mismatch", "grading.unknown-grade-word", "grading.score-out-of-range"):
        assert outcome_for(outcomes, rule, 0) == UNKNOWN, rule
        [finding] = findings_of(findings, rule)
        assert (finding.outcome, finding.severity) == (UNKNOWN, "info")
        assert finding.message.startswith("无法评估「")
    [band] = findings_of(findings, "grading.band-mismatch")
    assert "总分" in band.message and "报告等级" in band.message


def test_grade_without_total_cannot_be_evaluated(run):
    findings, outcomes = run([project(grade="优秀")])
    assert outcome_for(outcomes, "grading.band-mismatch", 0) == UNKNOWN
    assert outcome_for(outcomes, "grading.unknown-grade-word", 0) == PASSED
    [finding] = findings_of(findings, "grading.band-mismatch")
    assert finding.message.endswith("缺少 总分")


@pytest.mark.parametrize("total, expected", [
    (D("100"), PASSED), (D("100.01"), FIRED), (D("0"), PASSED), (D("-0.5"), FIRED)])
def test_score_range(run, total, expected):
    _, outcomes = run([project(total=total, grade="优秀")])
    assert outcome_for(outcomes, "grading.score-out-of-range", 0) == expected


def test_a_score_above_every_band_says_why_the_band_cannot_be_judged(run):
    findings, outcomes = run([project(total=D("100.20"), grade="优秀")])
    assert outcome_for(outcomes, "grading.band-mismatch", 0) == UNKNOWN
    [finding] = findings_of(findings, "grading.band-mismatch")
    assert "缺少" not in finding.message and "不在参数表的任何区间内" in finding.message


# ---- indicator-review ---------------------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("≤20万元", PASSED),
    ("≤20.01万元", FIRED),
    ("≤200000元", PASSED),
    ("≤200100元", FIRED),
    ("≥95%", NOT_APPLICABLE),
    ("≤0.002亿元", PASSED),
])
def test_money_target_against_budget(run, target, expected):
    findings, outcomes = run([project(full_year=D("20.00"), executed=D("10"), indicators=[indicator(target=target)])])
    assert outcome_for(outcomes, "indicator-review.target-exceeds-budget", 0, 0) == expected
    flagged = findings_of(findings, "indicator-review.target-exceeds-budget")
    assert len(flagged) == (expected == FIRED)
    if flagged:
        assert flagged[0].subject == "投入金额"
        assert f"年度指标值 {target}" in flagged[0].message


def test_money_target_without_budget_cannot_be_evaluated(run):
    findings, outcomes = run([project(indicators=[indicator(target="≤60万元")])])
    assert outcome_for(outcomes, "indicator-review.target-exceeds-budget", 0, 0) == UNKNOWN
    assert findings_of(findings, "indicator-review.target-exceeds-budget")[0].outcome == UNKNOWN


def test_indicator_including_other_departments(run):
    findings, outcomes = run([project(indicators=[indicator("甲", includes_tasks_of=["宣传部"]), indicator("乙")])])
    assert outcome_for(outcomes, "indicator-review.includes-other-departments", 0, 0) == FIRED
    assert outcome_for(outcomes, "indicator-review.includes-other-departments", 0, 1) == PASSED
    [finding] = findings_of(findings, "indicator-review.includes-other-departments")
    assert "包含宣传部的任务" in finding.message


# ---- cross-department ---------------------------------------------------------

@pytest.mark.parametrize("approvals, expected, missing", [
    ([approval("宣传部")], PASSED, None),
    ([approval("宣传部", year=2023)], PASSED, None),
    ([approval("宣传部", year=2025)], FIRED, ["宣传部"]),
    ([approval("宣传部", kind="会议纪要")], FIRED, ["宣传部"]),
    ([approval("文明办")], FIRED, ["宣传部"]),
    ([], FIRED, ["宣传部"]),
])
def test_collaboration_document_must_be_on_file_by_the_report_year(run, approvals, expected, missing):
    findings, outcomes = run([project(departments_involved=["宣传部"], approvals=approvals)])
    assert outcome_for(outcomes, "cross-department.no-approval", 0) == expected
    flagged = findings_of(findings, "cross-department.no-approval")
    assert [dict(f.evidence)["缺少文件的部门"] for f in flagged] == ([missing] if missing else [])


def test_only_departments_without_documents_are_named(run):
    findings, _ = run([project(departments_involved=["宣传部", "文明办"], approvals=[approval("文明办")])])
    [finding] = findings_of(findings, "cross-department.no-approval")
    assert dict(finding.evidence)["缺少文件的部门"] == ["宣传部"]


def test_no_departments_involved_is_not_applicable(run):
    _, outcomes = run([project()])
    assert outcome_for(outcomes, "cross-department.no-approval", 0) == NOT_APPLICABLE


# ---- consistency: rates and totals -------------------------------------------

@pytest.mark.parametrize("rate, executed, full_year, expected", [
    ("94.29%", D("33.79"), D("35.84"), PASSED),  # 33.79 / 35.84 = 94.280...%, but the amounts allow 94.25% to 94.31%
    ("94.32%", D("33.79"), D("35.84"), FIRED),
    ("86.19%", D("215457.6"), D("250000.00"), FIRED),  # these amounts allow only 86.183%
    ("65.66%", D("111.85"), D("170.35"), PASSED),  # 111.85 / 170.35 = 65.6589...%
    ("70%", D("5.81"), D("8.3"), PASSED),
    ("50.00%", D("10.00"), D("20.00"), PASSED),
    ("62.05%", D("12.41"), D("20.00"), PASSED),
    ("75.5%", D("213.05"), D("282.19"), PASSED),  # 75.498...% rounds to 75.5%
    ("75.49%", D("213.05"), D("282.19"), FIRED),
    ("94.3%", D("33.79"), D("35.84"), PASSED),  # one printed decimal claims less than 94.29% does
    ("100%", D("5.00"), D("5.00"), PASSED),
])
def test_reported_rate_within_the_range_its_printed_amounts_allow(run, rate, executed, full_year, expected):
    findings, outcomes = run([project(full_year=full_year, executed=executed, rate=rate)])
    assert outcome_for(outcomes, "consistency.project-rate", 0) == expected
    assert len(findings_of(findings, "consistency.project-rate")) == (expected == FIRED)


def test_reported_rate_with_zero_budget_cannot_be_evaluated(run):
    findings, outcomes = run([project(full_year=D("0"), executed=D("0"), rate="0%")])
    assert outcome_for(outcomes, "consistency.project-rate", 0) == UNKNOWN
    [finding] = findings_of(findings, "consistency.project-rate")
    assert finding.outcome == UNKNOWN
    # nothing is missing: the message says why without a 缺少 in front of it
    assert finding.message.endswith("」: 现有数据无法判断(如除数为零,或数值不在参数表的任何区间内)"), finding.message


def two_projects():
    return [project("甲", initial=D("10.00"), full_year=D("10.00"), executed=D("8.00")),
            project("乙", initial=D("5.25"), full_year=D("5.25"), executed=D("5.25"))]


@pytest.mark.parametrize("field, rule", [
    ("initial", "consistency.total-initial"),
    ("full_year", "consistency.total-full-year"),
    ("executed", "consistency.total-executed"),
])
@pytest.mark.parametrize("delta, expected", [(D("0"), PASSED), (D("0.01"), PASSED), (D("-0.01"), PASSED),
                                             (D("0.02"), FIRED), (D("-0.02"), FIRED)])
def test_totals_off_by_cents(run, field, rule, delta, expected):
    # two rows printed to the cent may each be rounded by half a cent, the total by another half: 0.01 can be
    # rounding, 0.02 cannot
    exact = {"initial": D("15.25"), "full_year": D("15.25"), "executed": D("13.25")}
    totals = dict(exact, **{field: exact[field] + delta})
    findings, outcomes = run(two_projects(), totals=totals)
    assert outcome_for(outcomes, rule, None) == expected
    assert len(findings_of(findings, rule)) == (expected == FIRED)


def test_total_printed_with_fewer_digits_gets_its_own_tolerance(run):
    # 15.3 printed with one decimal stands for anything within 0.05 of it; exactly half a unit is tolerated
    _, outcomes = run(two_projects(), totals={"full_year": D("15.3"), "initial": D("15.2")})
    assert outcome_for(outcomes, "consistency.total-full-year", None) == PASSED
    assert outcome_for(outcomes, "consistency.total-initial", None) == PASSED
    assert outcome_for(outcomes, "consistency.total-executed", None) == NOT_APPLICABLE
    _, outcomes = run(two_projects(), totals={"initial": D("15.1")})
    assert outcome_for(outcomes, "consistency.total-initial", None) == FIRED


def test_total_rate_against_printed_totals(run):
    _, ok = run(two_projects(), totals={"full_year": D("15.25"), "executed": D("13.25"), "rate": "86.89%"})
    assert outcome_for(ok, "consistency.total-rate", None) == PASSED  # 86.885...%
    # 13.245 / 15.255 = 86.824%: 86.8% (at most 86.85%) may be right, 86.7% (at most 86.75%) cannot
    _, edge = run(two_projects(), totals={"full_year": D("15.25"), "executed": D("13.25"), "rate": "86.8%"})
    assert outcome_for(edge, "consistency.total-rate", None) == PASSED
    _, bad = run(two_projects(), totals={"full_year": D("15.25"), "executed": D("13.25"), "rate": "86.7%"})
    assert outcome_for(bad, "consistency.total-rate", None) == FIRED


# ---- consistency: prose claims ------------------------------------------------

def scored_projects():
    return [project("甲", full_year=D("10"), executed=D("10"), total=D("100"), grade="优秀", rate="100%"),
            project("乙", full_year=D("10"), executed=D("5"), total=D("90.00"), grade="优秀", rate="50%"),
            project("丙", full_year=D("10"), executed=D("9"), total=D("89.99"), grade="良", rate="90%")]


def claim_outcome(outcomes, rule_id, ident):
    [value] = [v for (r, key), v in outcomes.items() if r == rule_id and key.endswith(f"|c{ident}")]
    return value


def test_project_count_with_a_score_filter_includes_the_boundary(run):
    _, outcomes = run(scored_projects(), claims=[
        claim("a", "2个项目得分在90分以上", "项目个数", 2, unit="个", where={"field": "得分", "op": ">=", "value": 90}),
        claim("b", "3个项目得分在90分以上", "项目个数", 3, unit="个", where={"field": "得分", "op": ">=", "value": 90}),
        claim("c", "共实施3个项目", "项目个数", 3, unit="个"),
        claim("d", "共实施4个项目", "项目个数", 4, unit="个"),
        claim("e", "1个项目执行率100%", "项目个数", 1, unit="个",
              where={"field": "报告执行率", "op": "==", "value": 1}),
    ])
    rule = "consistency.claim-project-count"
    assert [claim_outcome(outcomes, rule, x) for x in "abcde"] == [PASSED, FIRED, PASSED, FIRED, PASSED]


def test_listed_members_must_match_the_stated_count(run):
    _, outcomes = run(scored_projects(), claims=[
        claim("a", "甲、乙等2个项目", "项目个数", 2, unit="个", members=["甲", "乙"]),
        claim("b", "甲、乙等3个项目", "项目个数", 3, unit="个", members=["甲", "乙"]),
    ])
    rule = "consistency.claim-members-count"
    assert [claim_outcome(outcomes, rule, x) for x in "ab"] == [PASSED, FIRED]


def test_amount_totals_and_overall_rate_claims(run):
    # the projects' amounts are printed as whole 万元 (10, 5, 9): each stands for ±0.5, so the three full-year
    # budgets sum to 28.5 .. 31.5, the executed amounts to 22.5 .. 25.5, their ratio 71.4% .. 89.47%
    _, outcomes = run(scored_projects(), totals={"full_year": D("30"), "executed": D("24")}, claims=[
        claim("a", "预算总额30万元", "预算总额", D("30"), unit="万元"),
        claim("b", "预算总额31.6万元", "预算总额", D("31.6"), unit="万元"),
        claim("b2", "预算总额32万元", "预算总额", D("32"), unit="万元"),  # 31.5 .. 32.5 meets 28.5 .. 31.5
        claim("c", "执行总额240000元", "执行总额", 240000, unit="元"),
        claim("d", "执行总额25.6万元", "执行总额", D("25.6"), unit="万元"),
        claim("e", "总体执行率80%", "总体执行率", "80%"),
        claim("f", "总体执行率90%", "总体执行率", "90%"),
        claim("g", "平均分93.33分", "平均得分", D("93.33"), unit="分"),  # (100 + 90 + 89.99) / 3 = 93.33
        claim("h", "平均分93.6分", "平均得分", D("93.6"), unit="分"),  # 100.5 makes the average at most 93.4967
    ])
    assert claim_outcome(outcomes, "consistency.claim-budget-total", "a") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-budget-total", "b") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-budget-total", "b2") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-executed-total", "c") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-executed-total", "d") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-vs-printed-total", "a") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-vs-printed-total", "d") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-overall-rate", "e") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-overall-rate", "f") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-average-score", "g") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-average-score", "h") == FIRED


def test_project_amount_unit_and_rate_claims(run):
    _, outcomes = run(scored_projects(), claims=[
        claim("a", "乙投入5万元", "项目执行", D("5"), unit="万元", project="乙"),
        claim("b", "乙投入5元", "项目执行", D("5"), unit="元", project="乙"),
        claim("c", "乙投入7万元", "项目执行", D("7"), unit="万元", project="乙"),  # 5 printed whole: 4.5 .. 5.5
        claim("d", "丙执行率90%", "项目执行率", "90%", project="丙"),
        claim("e", "丙执行率80%", "项目执行率", "80%", project="丙"),  # 9 / 10 as printed: 80.95% .. 100%
    ])
    assert claim_outcome(outcomes, "consistency.claim-project-amount", "a") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-project-amount", "c") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-amount-unit", "a") == NOT_APPLICABLE
    assert claim_outcome(outcomes, "consistency.claim-amount-unit", "b") == FIRED
    assert claim_outcome(outcomes, "consistency.claim-project-rate", "d") == PASSED
    assert claim_outcome(outcomes, "consistency.claim-project-rate", "e") == FIRED


def test_contradicting_claims(run):
    _, outcomes = run(scored_projects(), claims=[
        claim("a", "2个项目存在偏差", "项目个数", 2, unit="个", topic="偏差"),
        claim("b", "2个项目存在偏差", "项目个数", 2, unit="个", topic="偏差"),
        claim("c", "3个项目存在偏差", "项目个数", 3, unit="个", topic="偏差"),
        claim("d", "所有项目满意度100%", "满意度", "100%", scope="全部"),
        claim("e", "甲满意度100%", "满意度", "100%", project="甲"),
        claim("f", "乙满意度98%", "满意度", "98%", project="乙"),
        claim("g", "2个项目完成", "项目个数", 2, unit="个", complements="h"),
        claim("h", "1个项目未完成", "项目个数", 1, unit="个"),
        claim("i", "1个项目完成", "项目个数", 1, unit="个", complements="h"),
    ])
    rule = "consistency.claim-contradiction"
    assert [claim_outcome(outcomes, rule, x) for x in "abc"] == [PASSED, PASSED, FIRED]
    rule = "consistency.claim-contradicts-general"
    assert [claim_outcome(outcomes, rule, x) for x in "ef"] == [PASSED, FIRED]
    rule = "consistency.claim-complement"
    assert [claim_outcome(outcomes, rule, x) for x in "gi"] == [PASSED, FIRED]


def test_a_value_that_cannot_be_read_is_quoted_with_the_transcribers_note(run, tmp_path):
    # 临沧's budget row: two of three cells printed, which one is blank unreadable; the finding says why
    note = "年初预算数、全年预算数、全年执行数三格中两格为 32.4、31.69,哪一格为空无法辨认"
    unread = project(full_year=D("10"))
    unread["budget"]["unreadable"] = note
    findings, outcomes = run([unread, project("乙项目", full_year=D("10"), executed=D("5"))])
    [finding] = [f for f in findings_of(findings, "execution.below-warning-line") if f.project == "甲项目"]
    assert finding.outcome == UNKNOWN
    assert finding.message.endswith(f"缺少 全年执行(万元)(原件注明无法辨认: {note})"), finding.message
    assert "无法辨认的栏目及原因" in [c.field for c in finding.citations if c.kind == "fact"]
    # a note on a record whose values the rule has is neither quoted nor cited
    readable = project(full_year=D("10"), executed=D("5"))
    readable["budget"]["unreadable"] = note
    findings, _ = run([readable])
    [finding] = findings_of(findings, "execution.below-warning-line")
    assert finding.outcome == FIRED and "无法辨认" not in finding.message
    assert "无法辨认的栏目及原因" not in [c.field for c in finding.citations if c.kind == "fact"]

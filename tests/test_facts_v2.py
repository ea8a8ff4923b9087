"""Facts format v2 (issue 13 item 1): published forms carried faithfully, every value citing its place.

Amounts printed in 元, blank / dash / not transcribed cells, partial lists, qualitative indicator values,
reports without a project table and units whose name is not printed."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from engine import load_facts
from engine.cli import cli
from engine.core.catalog import SUBJECT_SCOPES
from engine.core.errors import InputError
from engine.core.findings import format_value
from engine.expr import parse
from engine.expr.check import Checker

from .conftest import BACKENDS, FACTS_2024, ROOT, RULES
from .expr_value import value_of

FACTS_2025 = ROOT / "facts" / "2025"

EXAMPLE = ROOT / "examples" / "facts" / "2022" / "07-putuo-tiyu-zhongxin.yaml"

HEADER = """department: 某区体育中心
year: 2022
unit: {unit}
document:
  title: 某区体育中心2022年度项目自评价
"""


def write(folder, text, name="report.yaml"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_one(folder):
    [report] = load_facts([folder])
    return report


def line_of(path, text) -> int:
    """1-based line of the first line of path containing text."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(text)


def evaluate_json(runner, *paths, rules=RULES, backend="python") -> dict:
    result = runner.invoke(cli, ["evaluate", "--rules", str(rules), "--format", "json", "--backend", backend,
                                 *map(str, paths)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fired(document) -> set:
    return {f["rule"] for f in document["findings"] if f["outcome"] == "fired"}


# ---- the worked example: every new field with its provenance -------------------------------------


def test_example_new_fields_load_with_file_line_and_section():
    report = load_one(EXAMPLE)
    first, second = report.projects
    file = report.file
    assert (report.money_unit, report.supervisor, report.form, report.projects_partial) == (
        "元", "上海市普陀区体育局", "财政项目支出绩效自评表", True)
    assert report.url.startswith("https://") and "以下不可见" in report.partial
    source = report.sources["supervisor"]
    assert (source.file, source.line) == (file, line_of(EXAMPLE, "supervisor:"))
    # the report's 主管部门 is every project's, citing where it was written
    assert first.supervisor == "上海市普陀区体育局" and first.sources["supervisor"] is source
    assert first.implementer == "上海市普陀区体育事业管理中心"
    assert first.sources["implementer"].line == line_of(EXAMPLE, "implementer:")
    assert first.sources["implementer"].section == "表1"
    budget = first.budget
    assert (budget.weight, budget.score) == (10, Decimal("8.62"))
    assert budget.sources["score"].section == "表1 年度资金总额行"
    assert budget.sources["score"].line == line_of(EXAMPLE, "score: 8.62")
    assert [f.source for f in budget.funding] == ["其中:当年财政拨款", "上年结转资金", "其他资金"]
    funding = budget.funding[0]
    assert funding.executed == Decimal("21.54576")
    assert funding.sources["executed"].section == "表1 其中:当年财政拨款行"
    assert "—" in funding.unreadable and funding.sources["unreadable"].line > funding.sources["executed"].line
    assert first.goals.actual == "已完成普陀体育中心与委托运营方费用结算。" and first.goals.expected is None
    assert first.goals.sources["actual"].section == "表1 年度总体目标"
    assert "expected" not in first.goals.blank  # not transcribed, not "printed blank"
    indicator = first.indicators[0]
    assert (indicator.level1, indicator.level2, indicator.kind, indicator.category) == (
        "产出指标", "数量指标", "产出-数量", "产出")
    assert (indicator.weight, indicator.score) == (10, 10)
    assert indicator.sources["weight"].section == "表1 绩效指标 第1行"
    assert indicator.blank == {"deviation_reason"}
    assert [i.kind for i in first.indicators] == ["产出-数量", "产出-质量", "产出-时效", "效益-社会效益",
                                                  "满意度-服务对象满意度"]
    assert (first.score.total, first.score.weight) == (Decimal("98.62"), 100)
    assert second.indicators_partial and [i.kind for i in second.indicators] == [""] * 5


def test_example_evaluates_with_both_backends_alike(runner):
    documents = [evaluate_json(runner, EXAMPLE, backend=b) for b in BACKENDS]
    assert all(d["findings"] == documents[0]["findings"] for d in documents)
    assert "consistency.project-rate" in fired(documents[0])


# ---- amounts in 元 --------------------------------------------------------------------------------


def test_amounts_in_yuan_convert_exactly_and_keep_the_printed_text(tmp_path):
    report = load_one(write(tmp_path, HEADER.format(unit="元") + """projects:
  - name: 甲项目
    budget:
      section: 表1
      initial: 250000.00
      full_year: 250000.00
      executed: 215457.6
      rate: "86.19%"
      printed: {executed: "215,457.6"}
"""))
    budget = report.projects[0].budget
    assert budget.executed == Decimal("21.54576") and str(budget.executed) == "21.54576"
    assert str(budget.full_year) == "25.000000"  # precision kept: one 分 is 0.000001万元
    assert budget.printed == {"executed": "215,457.6"}
    assert report.money_unit == "元"
    assert format_value(budget.executed, "wan", report.money_unit) == "215,457.6元"
    assert format_value(budget.full_year, "wan", report.money_unit) == "250,000.00元"
    assert format_value(budget.executed, "wan") == "21.5458万元"  # v1 reports read as before


def test_a_yuan_report_message_shows_amounts_as_printed(runner, tmp_path):
    document = evaluate_json(runner, EXAMPLE)
    [finding] = [f for f in document["findings"] if f["rule"] == "consistency.project-rate"]
    assert "215,457.6元 / 250,000.00元" in finding["message"]


def test_an_amount_unit_other_than_wan_or_yuan_is_refused(runner, tmp_path):
    write(tmp_path, HEADER.format(unit="千元"))
    result = runner.invoke(cli, ["evaluate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 2 and "万元 / 元" in result.output


# ---- blank, dash, not transcribed -----------------------------------------------------------------

BLANKS = HEADER.format(unit="万元") + """projects:
  - name: 甲项目
    budget:
      section: 表1
      full_year: 100
      executed: "—"
      rate: null
      explanation: null
    score:
      section: 总分行
      total: null
      grade: null
    indicators:
      - name: 完成率
        kind: 产出-数量
        section: 指标1
        target: null
        actual: "≥90%"
"""


def test_null_is_printed_blank_and_absent_is_not_transcribed(tmp_path):
    project = load_one(write(tmp_path, BLANKS)).projects[0]
    assert project.score.total is None and project.score.blank == {"total", "grade"}
    assert project.budget.blank == {"rate", "explanation"}
    assert "initial" not in project.budget.blank and "initial" not in project.budget.sources
    assert project.score.sources["total"].section == "总分行"  # a blank cell still cites its place
    indicator = project.indicators[0]
    assert indicator.target is None and indicator.blank == {"target"}
    # an actual printed as an inequality stays a bound, not a measurement
    assert (indicator.actual.op, indicator.actual.value) == ("≥", Decimal("90"))


def test_a_dash_in_a_number_cell_is_not_applicable_and_the_mark_is_kept(tmp_path):
    budget = load_one(write(tmp_path, BLANKS)).projects[0].budget
    assert budget.executed is None and budget.dashes == {"executed": "—"}
    assert "executed" not in budget.blank and budget.sources["executed"].section == "表1"


def scope_of(report):
    project = report.projects[0]
    return {"report": report, "project": project, "indicator": project.indicators[0]}


@pytest.mark.parametrize("text, expected", [
    ('printed_blank(project.score, "total")', True),
    ('printed_blank(project.budget, "initial")', False),  # not transcribed
    ('printed_blank(project.budget, "executed")', False),  # a dash is not blank
    ('printed_dash(project.budget, "executed")', True),
    ('printed_dash(project.budget, "rate")', False),
    ('printed_blank(indicator, "target")', True),
    ("project.score.total > 60", None),  # a blank number is unknown to comparisons
])
def test_rules_can_tell_blank_from_dash_from_not_transcribed(tmp_path, text, expected):
    report = load_one(write(tmp_path, BLANKS))
    checker = Checker(SUBJECT_SCOPES["indicator"], {})
    checker.check(parse(text))
    assert checker.problems == []
    assert value_of(text, scope_of(report), {}, 2022) is expected


def test_a_word_in_a_number_cell_is_refused_with_the_number_hint(tmp_path):
    write(tmp_path, BLANKS.replace('executed: "—"', "executed: 170.35万"))
    with pytest.raises(InputError) as caught:
        load_facts([tmp_path])
    [problem] = caught.value.diagnostics
    assert problem.path == "projects[0].budget.executed" and "去掉单位" in problem.suggestion


# ---- qualitative values ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["及时", "有效", "达成预期指标", "完成"])
def test_qualitative_indicator_values_are_kept_as_text(tmp_path, text):
    write(tmp_path, BLANKS.replace("target: null", f"target: {text}"))
    indicator = load_one(tmp_path).projects[0].indicators[0]
    assert (indicator.target.text, indicator.target.kind, indicator.target.value) == (text, "text", None)
    assert indicator.actual.kind == ""


def test_qualitative_values_give_no_number_to_rules_and_no_crash(runner, tmp_path):
    text = (FACTS_2024 / "杜集区城市管理局.yaml").read_text(encoding="utf-8")
    targets = text.count("target: ")
    assert targets > 2
    write(tmp_path, text.replace("target: ", "target: 及时 #", 2).replace("actual: ", "actual: 有效 #", 2))
    for backend in BACKENDS:
        document = evaluate_json(runner, tmp_path, backend=backend)
        assert document["findings"]


# ---- partial lists --------------------------------------------------------------------------------

TOTALS = HEADER.format(unit="万元") + """totals:
  section: 合计行
  full_year: 300
  executed: 250
projects:
  - name: 甲项目
    budget: {section: 表1, full_year: 100, executed: 90}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_partial_project_list_stops_the_totals_findings(runner, tmp_path, backend):
    whole = fired(evaluate_json(runner, write(tmp_path / "whole", TOTALS), backend=backend))
    assert {"consistency.total-full-year", "consistency.total-executed"} <= whole
    cut = fired(evaluate_json(runner, write(tmp_path / "cut", TOTALS + "projects_partial: true\n"),
                              backend=backend))
    assert not {r for r in cut if r.startswith("consistency.total-")}


# ---- reports without projects, 部门整体 forms, unnamed units -------------------------------------------


def test_a_report_without_projects_evaluates(runner, tmp_path):
    write(tmp_path, HEADER.format(unit="万元") + """narrative:
  - section: 五、存在的问题及原因分析
    heading: 存在的问题
    text: 我校生均公用经费项目运转正常,暂无问题
""")
    report = load_one(tmp_path)
    assert report.projects == [] and report.narrative[0].heading == "存在的问题"
    assert report.narrative[0].sources["text"].line == 9
    evaluate_json(runner, tmp_path)


def test_a_department_wide_form_evaluates(runner, tmp_path):
    write(tmp_path, (HEADER.format(unit="万元") + """  form: 部门整体支出绩效自评表
  scope: 部门整体
projects:
  - name: 部门整体支出
    budget: {section: 表1, full_year: 4753.66, executed: 3824.26, rate: "100%"}
"""))
    report = load_one(tmp_path)
    assert (report.scope, report.form) == ("部门整体", "部门整体支出绩效自评表")
    assert "consistency.project-rate" in fired(evaluate_json(runner, tmp_path))


UNNAMED = """department: null
department_described: 某镇卫生院(名称未印出)
year: {year}
unit: 万元
document:
  title: 某镇卫生院{year}年度项目支出绩效自评表
projects:
  - name: 基本公共卫生服务
    budget: {{section: 表1, full_year: 10, executed: 9}}
"""


def test_an_unprinted_unit_name_loads_evaluates_and_links_to_no_other_year(runner, tmp_path):
    write(tmp_path, UNNAMED.format(year=2021), "a.yaml")
    write(tmp_path, UNNAMED.format(year=2022), "b.yaml")
    earlier, later = load_facts([tmp_path])
    assert (later.department, later.department_printed) == ("某镇卫生院(名称未印出)", False)
    assert later.projects[0].previous is None  # two unnamed units are not known to be the same unit
    evaluate_json(runner, tmp_path)


def test_named_reports_still_link_across_years():
    later = load_facts([FACTS_2024, FACTS_2025])[-1]
    assert any(p.previous is not None for p in later.projects)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("department_described: 某镇卫生院(名称未印出)\n", ""), "department_described"),
    (lambda t: t.replace("department: null", "department: 某镇卫生院"), "department_described"),
])
def test_department_described_goes_with_an_unprinted_name_only(tmp_path, change, message):
    write(tmp_path, change(UNNAMED.format(year=2022)))
    with pytest.raises(InputError) as caught:
        load_facts([tmp_path])
    assert any(message in d.message or message in d.path for d in caught.value.diagnostics)


# ---- v1 files --------------------------------------------------------------------------------------


def test_v1_files_read_as_before():
    for report in load_facts([FACTS_2024, FACTS_2025]):
        assert (report.money_unit, report.department_printed, report.projects_partial) == ("万元", True, False)
        for project in report.projects:
            for record in (project.budget, project.score, *project.indicators):
                assert record.blank == frozenset() and record.dashes is None and record.printed is None
            assert all(i.target is None or i.target.kind == "" for i in project.indicators)


def test_the_example_folder_is_only_published_examples():
    # other engineers add the remaining transcriptions next to this one; each must load
    assert load_facts([EXAMPLE.parent.parent])


def test_two_unnamed_reports_with_one_description_in_a_year_are_duplicates(tmp_path):
    write(tmp_path, UNNAMED.format(year=2022), "a.yaml")
    write(tmp_path, UNNAMED.format(year=2022), "b.yaml")
    with pytest.raises(InputError) as caught:
        load_facts([tmp_path])
    [problem] = caught.value.diagnostics
    assert "已在" in problem.message and problem.path == "department"

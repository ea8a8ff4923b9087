"""Linking reports across years (engine/construct/years.py): projects to last year's, commitments to the year they fall due."""
from __future__ import annotations

import pytest

from engine import evaluate, load_facts
from engine.core.errors import InputError
from engine.run.subjects import subjects_of

from .conftest import FACTS_2024, FACTS_2025
from .factsfile import D, project, write_facts



def renamed(name, old, **kwargs):
    out = project(name, **kwargs)
    out["renamed_from"] = list(old)
    return out


def commitment(ident, kind, **extra):
    return {"id": ident, "section": "四(二) 正文", "text": f"承诺{ident}", "kind": kind, **extra}


def by_name(report):
    return {p.name: p for p in report.projects}


def load_problems(paths) -> list:
    with pytest.raises(InputError) as caught:
        load_facts(paths)
    return caught.value.diagnostics


# ---- projects across years ----------------------------------------------------------

def test_previous_is_linked_by_name_alias_and_renamed_from(tmp_path):
    write_facts(tmp_path, [project("甲"), project("乙", aliases=["乙项目"]), project("丙"), project("丁")], year=2024)
    write_facts(tmp_path, [project("甲"), project("乙项目"), renamed("丙二期", ["丙"]), project("戊")], year=2025)
    old, new = load_facts([tmp_path])
    before, after = by_name(old), by_name(new)
    assert after["甲"].previous is before["甲"]
    assert after["乙项目"].previous is before["乙"]  # last year's alias is this year's name
    assert after["丙二期"].previous is before["丙"]
    assert after["戊"].previous is None  # a new project
    assert all(p.previous is None for p in old.projects)  # 2023 is not loaded


def test_no_link_without_the_previous_year_or_with_a_gap(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2023)
    write_facts(tmp_path, [project("甲")], year=2025)
    assert all(p.previous is None for r in load_facts([tmp_path]) for p in r.projects)


def test_similar_names_are_never_matched(tmp_path):
    write_facts(tmp_path, [project("智慧城管")], year=2024)
    write_facts(tmp_path, [project("智慧城管平台")], year=2025)
    assert load_facts([tmp_path])[1].projects[0].previous is None


def test_departments_are_linked_separately(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2024, department="一局")
    write_facts(tmp_path, [project("甲")], year=2025, department="二局")
    assert all(p.previous is None for r in load_facts([tmp_path]) for p in r.projects)


def test_renamed_from_an_unknown_name_is_an_error_with_a_suggestion(tmp_path):
    write_facts(tmp_path, [project("执法车辆维护")], year=2024)
    path = write_facts(tmp_path, [renamed("执法车辆运行保障", ["执法车辆维修"])], year=2025)
    [problem] = load_problems([tmp_path])
    assert problem.file.endswith(path.name) and problem.line > 0
    # located at the value: the column where the names start on that line of the file
    text = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert problem.column > 1 and text[problem.column - 1:].lstrip("[\"").startswith("执法车辆维修"), text
    assert problem.path == "projects[0].renamed_from"
    assert "执法车辆维修" in problem.message and "2024" in problem.message
    assert "执法车辆维护" in problem.suggestion


def test_renamed_from_may_keep_names_from_older_years(tmp_path):
    write_facts(tmp_path, [project("乙")], year=2024)
    write_facts(tmp_path, [renamed("丙", ["甲", "乙"])], year=2025)  # 甲 (2023) -> 乙 (2024) -> 丙 (2025)
    old, new = load_facts([tmp_path])
    assert new.projects[0].previous is old.projects[0]


def test_renamed_from_is_only_checked_when_the_previous_year_is_loaded(tmp_path):
    write_facts(tmp_path, [renamed("乙", ["不存在的项目"])], year=2025)
    assert load_facts([tmp_path])[0].projects[0].previous is None


def test_a_project_matching_two_previous_projects_is_an_error(tmp_path):
    write_facts(tmp_path, [project("甲"), project("乙")], year=2024)
    write_facts(tmp_path, [renamed("甲乙合并", ["甲", "乙"])], year=2025)
    [problem] = load_problems([tmp_path])
    assert "多个项目" in problem.message and "甲、乙" in problem.message


def test_two_projects_claiming_one_previous_project_is_an_error(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2024)
    write_facts(tmp_path, [renamed("甲一期", ["甲"]), renamed("甲二期", ["甲"])], year=2025)
    [problem] = load_problems([tmp_path])
    assert "甲一期、甲二期" in problem.message and "拆分" in problem.suggestion


# ---- commitments ----------------------------------------------------------------------

def test_commitment_targets_resolve_names_and_aliases_with_directions(tmp_path):
    write_facts(tmp_path, [project("甲", aliases=["甲项目"]), project("乙"), project("丙")], year=2024, commitments=[
        commitment("k1", "预算倾斜", budget_increase=["甲项目"], budget_decrease=["乙"]),
        commitment("k2", "纳入下年预算", project="丙")])
    [report] = load_facts([tmp_path])
    k1, k2 = report.commitments
    assert [(t.name, t.direction, t.project.name) for t in k1.targets] == [("甲项目", "增加", "甲"), ("乙", "压缩", "乙")]
    assert [(t.name, t.direction) for t in k2.targets] == [("丙", "")]
    assert all(t.followup_project is None for t in k1.targets + k2.targets)  # 2025 not loaded
    assert subjects_of(report)[-1].kind != "commitment"  # nothing is due in 2024


@pytest.mark.parametrize("extra, field, words", [
    ({"project": "甲项"}, "project", "甲项目"),
    ({"budget_decrease": ["乙", "丁"]}, "budget_decrease", ""),
])
def test_a_commitment_naming_an_unknown_project_is_an_error(tmp_path, extra, field, words):
    kind = "预算倾斜" if "budget_decrease" in extra else "纳入下年预算"
    write_facts(tmp_path, [project("甲项目"), project("乙")], year=2024, commitments=[commitment("k1", kind, **extra)])
    [problem] = load_problems([tmp_path])
    assert problem.path == f"commitments[0].{field}" and "不是本报告中的项目" in problem.message
    assert words in problem.suggestion


def test_commitment_data_errors(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2024, commitments=[
        commitment("k1", "纳入下年预算", project="甲", due_year=2024),
        commitment("k2", "预算倾斜"),
        commitment("k3", "预算倾斜", budget_increase=["甲"], budget_decrease=["甲"])])
    problems = {p.path: p for p in load_problems([tmp_path])}
    assert "不晚于报告年度" in problems["commitments[0].due_year"].message
    assert "没有写明涉及哪些项目" in problems["commitments[1]"].message
    assert "重复列出" in problems["commitments[2].budget_decrease"].message


@pytest.mark.parametrize("entry, message", [
    (commitment("k1", "签订协同备忘录", project="甲"), "不在允许范围内"),
    (commitment("k1", "签订协同文件", project="甲"), "counterpart"),
    (commitment("k1", "纳入下年预算"), "project"),
])
def test_the_facts_schema_checks_commitments(tmp_path, entry, message):
    write_facts(tmp_path, [project("甲")], year=2024, commitments=[entry])
    problems = load_problems([tmp_path])
    assert any(message in p.message for p in problems), [p.message for p in problems]


def test_commitments_attach_to_the_due_year_only(tmp_path):
    write_facts(tmp_path, [project("甲"), project("乙")], year=2024, commitments=[
        commitment("k1", "纳入下年预算", project="甲"),  # due 2025 by default
        commitment("k2", "纳入下年预算", project="乙", due_year=2026)])
    write_facts(tmp_path, [project("甲"), project("乙")], year=2025)
    old, new = load_facts([tmp_path])
    assert [(r.year, c.id) for r, c in new.commitments_due] == [(2024, "k1")]
    subjects = [s for s in subjects_of(new) if s.kind == "commitment"]
    assert [(s.label, s.project, s.report is new) for s in subjects] == [("2024年承诺 k1", "甲", True)]
    assert subjects[0].scope["report"] is old and subjects[0].scope["followup"] is new
    assert old.commitments[1].targets[0].followup_project is None


def test_a_commitment_due_later_follows_a_rename_through_the_years_in_between(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2024,
                commitments=[commitment("k1", "纳入下年预算", project="甲", due_year=2026)])
    write_facts(tmp_path, [renamed("甲改", ["甲"])], year=2025)
    write_facts(tmp_path, [project("甲改")], year=2026)
    reports = load_facts([tmp_path])
    target = reports[0].commitments[0].targets[0]
    assert target.followup_project is reports[2].projects[0]
    assert [c.id for _, c in reports[2].commitments_due] == ["k1"]


def test_a_commitment_without_projects_is_one_subject(tmp_path):
    write_facts(tmp_path, [project("甲")], year=2024, commitments=[commitment("k1", "执行率预警")])
    write_facts(tmp_path, [project("甲")], year=2025)
    [subject] = [s for s in subjects_of(load_facts([tmp_path])[1]) if s.kind == "commitment"]
    assert subject.project is None and subject.scope["target"].project is None


# ---- the shipped facts ----------------------------------------------------------------

def test_the_2025_example_links_to_the_2024_seed():
    old, new = load_facts([FACTS_2024, FACTS_2025])
    assert {p.name: p.previous.name for p in new.projects} == {
        "智慧城管": "智慧城管", "文明创建": "文明创建", "执法人员培训": "执法人员培训", "垃圾分类": "垃圾分类",
        "城管进社区": "城管进社区", "执法车辆运行保障": "执法车辆维护", "农村环境卫生": "农村环境卫生"}
    assert [c.id for _, c in new.commitments_due] == ["k01", "k02", "k03", "k04", "k05"]
    k05 = old.commitments[4]
    assert [(t.name, t.direction, t.followup_project.name) for t in k05.targets] == [
        ("执法车辆维护", "增加", "执法车辆运行保障"), ("农村环境卫生", "增加", "农村环境卫生"),
        ("垃圾分类", "压缩", "垃圾分类"), ("文明创建", "压缩", "文明创建")]


def test_the_2025_example_is_labelled_as_an_example():
    text = (FACTS_2025 / "杜集区城市管理局.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 示例数据,不是公开发布的报告。")
    assert "example: true" in text and "note: 示例数据" in text


def test_evaluating_a_year_with_the_next_does_not_change_its_findings(ruleset, seed_reports):
    alone = evaluate(ruleset, seed_reports, backend="python").findings
    together = evaluate(ruleset, load_facts([FACTS_2024, FACTS_2025]), backend="python").findings
    assert [f for f in together if f.year == 2024] == list(alone)
    assert {f.year for f in together} == {2024, 2025}


def test_each_year_uses_its_own_parameters(ruleset):
    findings = evaluate(ruleset, load_facts([FACTS_2024, FACTS_2025]), backend="python").findings
    used = {(f.year, p.from_year, p.value) for f in findings if f.rule == "indicator-review.target-exceeds-budget"
            for p in f.parameters if p.name == "indicator_budget_ratio"}
    assert used == {(2024, 2024, D("1.00")), (2025, 2025, D("1.20"))}

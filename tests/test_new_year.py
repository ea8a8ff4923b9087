"""`perfaudit new-year`: draft facts for the next year, carried over from the last one."""
from __future__ import annotations

import shutil

import pytest

from engine import evaluate, load_facts
from engine.cli import cli

from .conftest import FACTS_2025
from .factsfile import D, indicator, project, write_facts

SOURCE = FACTS_2025 / "杜集区城市管理局.yaml"


def new_year(runner, *args):
    return runner.invoke(cli, ["new-year", *map(str, args)])


@pytest.fixture
def draft(runner, tmp_path):
    result = new_year(runner, 2026, "--from", FACTS_2025, "-o", tmp_path / "2026")
    assert result.exit_code == 0, result.output
    return tmp_path / "2026" / SOURCE.name


def test_draft_is_a_valid_facts_file_with_values_emptied(draft):
    [old] = load_facts([FACTS_2025])
    [new] = load_facts([draft])
    assert (new.department, new.year) == (old.department, 2026)
    assert [(p.name, p.aliases) for p in new.projects] == [(p.name, p.aliases) for p in old.projects]
    assert [[(i.name, i.kind, i.target and i.target.text) for i in p.indicators] for p in new.projects] == \
        [[(i.name, i.kind, i.target and i.target.text) for i in p.indicators] for p in old.projects]
    for p in new.projects:
        assert (p.budget.initial, p.budget.full_year, p.budget.executed, p.budget.rate) == (None,) * 4
        assert (p.score.total, p.score.grade) == (None, None)
        assert all(i.actual is None for i in p.indicators)
        assert p.renamed_from == [] and p.approvals is None and p.departments_involved == []  # None: not recorded
    assert new.claims == [] and new.commitments == []
    assert new.sources["department"].file.endswith(SOURCE.name)


def test_draft_lists_the_commitments_due_and_is_labelled(draft):
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("# 杜集区城市管理局 2026 年度部门绩效自评报告(事实转录)—— 草稿")
    assert "note: \"草稿:由 perfaudit new-year 根据 2025 年的事实生成" in text
    for ident, words in (("k01", "压缩: 垃圾分类"), ("k02", "项目: 智慧城管"), ("k03", "对方部门: 区教育局")):
        assert f"2025 年 {ident} [" in text and words in text
    assert "# approvals:   # 2025 年承诺 k03: 与区教育局签订协同文件" in text


def test_draft_links_to_the_year_it_came_from(draft, ruleset):
    reports = load_facts([FACTS_2025, draft])
    assert all(p.previous is not None for p in reports[1].projects)
    assert [c.id for _, c in reports[1].commitments_due] == ["k01", "k02", "k03"]
    findings = evaluate(ruleset, reports, backend="python").findings
    unfilled = [f for f in findings if f.year == 2026 and f.rule == "follow-up.carryover-not-budgeted"]
    assert [f.outcome for f in unfilled] == ["cannot-evaluate"]  # an empty budget is unknown, never a pass


def test_draft_is_deterministic(runner, tmp_path, draft):
    again = new_year(runner, 2026, "--from", FACTS_2025, "-o", tmp_path / "again")
    assert again.exit_code == 0
    assert (tmp_path / "again" / SOURCE.name).read_bytes() == draft.read_bytes()


def test_refuses_to_overwrite(runner, draft):
    before = draft.read_bytes()
    result = new_year(runner, 2026, "--from", FACTS_2025, "-o", draft.parent)
    assert result.exit_code == 2 and "文件已存在,new-year 不会覆盖" in result.output
    assert draft.read_bytes() == before


def test_default_output_is_the_sibling_year_folder(runner, tmp_path, monkeypatch):
    shutil.copytree(FACTS_2025, tmp_path / "facts" / "2025")
    monkeypatch.chdir(tmp_path)
    result = new_year(runner, 2026, "--from", "facts/2025")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "facts" / "2026" / SOURCE.name).is_file()
    assert (tmp_path / "facts" / "2025" / SOURCE.name).read_bytes() == SOURCE.read_bytes()


@pytest.mark.parametrize("year", [2025, 2024])
def test_year_must_follow_the_source(runner, tmp_path, year):
    result = new_year(runner, year, "--from", FACTS_2025, "-o", tmp_path)
    assert result.exit_code == 2 and "不能据此开始" in result.output
    assert list(tmp_path.iterdir()) == []


def test_invalid_source_facts_exit_2(runner, tmp_path):
    (tmp_path / "bad.yaml").write_text("department: 甲\n", encoding="utf-8")
    result = new_year(runner, 2026, "--from", tmp_path, "-o", tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()


def test_awkward_names_round_trip(runner, tmp_path):
    names = ["A: B", "123", "null", "- 开头", "含#号", "[括号]", "引号\"项目", "yes"]
    projects = [project(n, full_year=D(1), total=D(90), grade="优秀", aliases=[n + "别名: x"],
                        indicators=[indicator(target="100%")]) for n in names]
    write_facts(tmp_path / "src", projects, year=2025, department="测试: 局")
    result = new_year(runner, 2026, "--from", tmp_path / "src", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [report] = load_facts([tmp_path / "out"])
    assert report.department == "测试: 局"
    assert [(p.name, p.aliases, p.indicators[0].target.text) for p in report.projects] == \
        [(n, [n + "别名: x"], "100%") for n in names]


def test_the_latest_year_of_each_department_is_used(runner, tmp_path):
    write_facts(tmp_path / "src", [project("旧")], year=2024, department="甲局")
    write_facts(tmp_path / "src", [project("新")], year=2025, department="甲局")
    write_facts(tmp_path / "src", [project("乙项目")], year=2024, department="乙局")
    result = new_year(runner, 2026, "--from", tmp_path / "src", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    drafts = {r.department: [p.name for p in r.projects] for r in load_facts([tmp_path / "out"])}
    assert drafts == {"甲局": ["新"], "乙局": ["乙项目"]}


def test_draft_file_names(runner, tmp_path):
    write_facts(tmp_path / "src" / "a", [project("甲")], year=2025, department="甲局", filename="局.yaml")
    write_facts(tmp_path / "src" / "b", [project("乙")], year=2025, department="乙局", filename="局.yaml")
    write_facts(tmp_path / "src", [project("丙")], year=2025, department="丙局")
    result = new_year(runner, 2026, "--from", tmp_path / "src", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["丙局-2026.yaml", "乙局.yaml", "甲局.yaml"]


def test_names_with_line_breaks_or_tabs_are_carried_over_exactly(runner, tmp_path):
    """A name written plain across a line break would read back folded (甲 乙): such names are quoted."""
    names = ["甲\n乙项目", "丙\t丁项目", "戊\u2028己项目"]
    write_facts(tmp_path / "2024", [project(name, full_year=10) for name in names])
    result = new_year(runner, 2025, "--from", tmp_path / "2024", "-o", tmp_path / "2025")
    assert result.exit_code == 0, result.output
    [draft] = load_facts([tmp_path / "2025"])
    assert [p.name for p in draft.projects] == names

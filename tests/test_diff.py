"""`perfaudit diff`: rule-change impact (two rule sets) and year over year (two years of facts)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from engine import evaluate, load_facts, load_rules
from engine.analysis.diff import rule_impact, year_over_year
from engine.cli import cli

from .conftest import BACKENDS, FACTS_2024, FACTS_2025, RULES
from .factsfile import D, project, write_facts



def invoke(runner, *args):
    return runner.invoke(cli, ["diff", *map(str, args)])


def copy_rules(tmp_path, name="new"):
    target = tmp_path / name
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---- year over year -------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_diff(ruleset):
    reports = load_facts([FACTS_2024, FACTS_2025])
    return year_over_year(evaluate(ruleset, reports, backend="python").findings, reports, 2024, 2025)


def keys(findings):
    return sorted((f.rule, f.project or "") for f in findings)


def test_seed_year_over_year(seed_diff):
    [d] = seed_diff.departments
    assert d.department == "杜集区城市管理局" and (d.year_a, d.year_b) == (2024, 2025)
    assert keys(d.new) == [("follow-up.below-warning-line-again", "垃圾分类"),
                           ("follow-up.budget-direction-not-kept", "农村环境卫生"),
                           ("follow-up.budget-direction-not-kept", "垃圾分类")]
    assert sorted((p.before.rule, p.before.project, p.after.project) for p in d.persisting) == [
        ("execution.below-warning-line", "垃圾分类", "垃圾分类"),
        ("grading.band-mismatch", "文明创建", "文明创建"),
        ("indicator-review.target-exceeds-budget", "垃圾分类", "垃圾分类")]
    assert ("execution.below-warning-line", "智慧城管") in keys(d.resolved)
    assert ("cross-department.no-approval", "文明创建") in keys(d.resolved)
    assert len(d.resolved) == 20
    assert d.renamed == (("执法车辆维护", "执法车辆运行保障"),)


def renamed_facts(tmp_path, declare: bool):
    write_facts(tmp_path, [project("车辆维护", full_year=D(10), executed=D(5))], year=2024)
    after = project("车辆保障", full_year=D(10), executed=D(6))
    if declare:
        after["renamed_from"] = ["车辆维护"]
    write_facts(tmp_path, [after], year=2025)
    return load_facts([tmp_path])


@pytest.mark.parametrize("declare", [True, False])
def test_renamed_projects_match_only_when_declared(ruleset, tmp_path, declare):
    reports = renamed_facts(tmp_path, declare)
    [d] = year_over_year(evaluate(ruleset, reports, backend="python").findings, reports, 2024, 2025).departments
    warning = "execution.below-warning-line"
    if declare:
        assert [(p.before.project, p.after.project) for p in d.persisting if p.after.rule == warning] == [
            ("车辆维护", "车辆保障")]
        assert warning not in {f.rule for f in d.new + d.resolved}
    else:  # similar names are never guessed to be the same project
        assert ("execution.below-warning-line", "车辆保障") in keys(d.new)
        # 车辆维护 is not in the 2025 facts: its finding is no longer checkable, not resolved
        assert ("execution.below-warning-line", "车辆维护") in keys(d.unverifiable)
        assert d.persisting == ()


def test_repeated_findings_pair_one_to_one(ruleset, tmp_path):
    from engine.core.findings import Finding

    def finding(year, subject):
        return Finding("r.x", "标题", "consistency", "error", "fired", "局", year, None, "claim", subject, "m", (), ())

    write_facts(tmp_path, [project("甲")], year=2024, department="局")
    write_facts(tmp_path, [project("甲")], year=2025, department="局")
    reports = load_facts([tmp_path])
    found = [finding(2024, "正文 c01"), finding(2024, "正文 c02"), finding(2025, "正文 c09")]
    [d] = year_over_year(found, reports, 2024, 2025).departments
    # the 2025 facts have no claims at all: the unpaired 2024 claim finding cannot be re-checked
    assert len(d.persisting) == 1 and len(d.unverifiable) == 1 and d.resolved == () and d.new == ()


def test_years_cli_text_and_json(runner):
    text = invoke(runner, FACTS_2024, FACTS_2025, "--rules", RULES)
    assert text.exit_code == 0, text.output
    assert "年度对比: 2024 年 → 2025 年" in text.output
    assert "杜集区城市管理局  新出现 3 项,已解决 20 项,持续存在 3 项" in text.output
    assert "项目更名: 执法车辆维护(2024 年) → 执法车辆运行保障(2025 年)" in text.output
    outputs = {invoke(runner, FACTS_2024, FACTS_2025, "--rules", RULES, "--format", "json", "--backend", b).output
               for b in BACKENDS + BACKENDS}
    assert len(outputs) == 1
    document = json.loads(outputs.pop())
    assert document["mode"] == "years" and (document["from"], document["to"]) == (2024, 2025)
    [d] = document["departments"]
    assert d["summary"] == {"new": 3, "resolved": 20, "persisting": 3, "unverifiable": 0}
    assert {p["after"]["rule"] for p in d["persisting"]} == {
        "execution.below-warning-line", "grading.band-mismatch", "indicator-review.target-exceeds-budget"}


def test_years_cli_html(runner):
    result = invoke(runner, FACTS_2024, FACTS_2025, "--format", "html", "--rules", RULES)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and "<h3>持续存在 3 项</h3>" in result.stdout
    assert 'data-rule="follow-up.below-warning-line-again"' in result.stdout


@pytest.mark.parametrize("args, message", [
    ((FACTS_2024,), "需要两组事实"),
    ((FACTS_2024, FACTS_2024), "应晚于"),
    ((FACTS_2025, FACTS_2024), "应晚于"),
])
def test_years_cli_usage_errors(runner, args, message):
    result = invoke(runner, *args, "--rules", RULES)
    assert result.exit_code == 2 and message in result.output


def test_years_cli_rejects_a_side_with_two_years(runner, tmp_path):
    both = tmp_path / "both"
    shutil.copytree(FACTS_2024, both / "2024")
    shutil.copytree(FACTS_2025, both / "2025")
    result = invoke(runner, both, FACTS_2025, "--rules", RULES)
    assert result.exit_code == 2 and "应只包含一个年度的报告,实际包含 2024、2025 年" in result.output


def test_years_with_no_common_department(runner, tmp_path):
    write_facts(tmp_path / "a", [project("甲")], year=2024, department="一局")
    write_facts(tmp_path / "b", [project("甲")], year=2025, department="二局")
    result = invoke(runner, tmp_path / "a", tmp_path / "b", "--rules", RULES)
    assert result.exit_code == 0
    assert "只有 2024 年报告的部门(未对比): 一局" in result.output
    assert "没有同时具有 2024 年和 2025 年报告的部门" in result.output


# ---- rule-change impact ---------------------------------------------------------------

def test_threshold_edit_impact(runner, tmp_path):
    new = copy_rules(tmp_path)
    edit(new / "parameters.yaml", "        value: 0.70\n", "        value: 0.95\n")
    result = invoke(runner, "--rules", RULES, "--rules", new, FACTS_2024, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["mode"] == "rules" and document["rules"] == {"added": [], "removed": [], "edited": []}
    assert [p["name"] for p in document["parameters"]] == ["exec_warning_line"]
    assert document["parameters"][0]["after"] == [{"year": 2024, "value": "0.95"}]
    assert [(f["rule"], f["project"]) for f in document["added"]] == [("execution.below-warning-line", "城管进社区")]
    assert document["removed"] == []
    changed = {(c["after"]["project"], tuple(c["fields"])) for c in document["changed"]}
    assert changed == {(p, ("message", "evidence")) for p in ("智慧城管", "文明创建", "垃圾分类")}
    assert document["summary"]["unchanged"] == 20


def test_severity_edit_and_removed_rule(ruleset, tmp_path):
    new = copy_rules(tmp_path)
    edit(new / "execution-rate.yaml", "    title: 预算执行率低于预警线\n    family: execution-rate\n    severity: warning",
         "    title: 预算执行率低于预警线\n    family: execution-rate\n    severity: error")
    (new / "cross-department.yaml").unlink()
    new_rules = load_rules(new)
    reports = load_facts([FACTS_2024])
    impact = rule_impact(evaluate(ruleset, reports, backend="python"), evaluate(new_rules, reports, backend="python"),
                         ruleset, new_rules, "old", "new")
    assert impact.rules_removed == ("cross-department.no-approval",) and impact.rules_added == ()
    assert impact.rules_edited == ("execution.below-warning-line",)
    assert [(f.rule, f.project) for f in impact.removed] == [("cross-department.no-approval", "文明创建")]
    assert {(c.after.project, c.fields, c.after.severity) for c in impact.changed} == {
        (p, ("severity",), "error") for p in ("智慧城管", "文明创建", "垃圾分类")}


def test_impact_text_shows_what_changed(runner, tmp_path):
    new = copy_rules(tmp_path)
    edit(new / "parameters.yaml", "      2025:\n        value: 1.20\n", "      2025:\n        value: 1.00\n")
    result = invoke(runner, "--rules", RULES, "--rules", new, FACTS_2024, FACTS_2025)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2024 年起 100%;2025 年起 120%  →  2024 年起 100%;2025 年起 100%" in out
    assert "发现: 新增 1 项,消失 0 项,变化 1 项,未变 28 项" in out
    assert "2025 年 杜集区城市管理局 【智慧城管】 投入金额" in out
    assert "证据「上限比例」: 120% → 100%" in out


def test_identical_rule_sets(runner):
    result = invoke(runner, "--rules", RULES, "--rules", RULES, FACTS_2024)
    assert result.exit_code == 0 and "两套规则对这些事实给出的发现完全相同。" in result.output


def test_impact_usage_errors(runner):
    three = invoke(runner, "--rules", RULES, "--rules", RULES, "--rules", RULES, FACTS_2024)
    assert three.exit_code == 2 and "最多给两次" in three.output
    html = invoke(runner, "--rules", RULES, "--rules", RULES, FACTS_2024, "--format", "html")
    assert html.exit_code == 2 and "只支持" in html.output


@pytest.fixture
def repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    copy_rules(root, "rules")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root,
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", "rules")
    git("commit", "-q", "-m", "rules")
    monkeypatch.chdir(root)
    return root


def test_rules_from_a_git_revision(runner, repo):
    edit(repo / "rules" / "parameters.yaml", "        value: 0.70\n", "        value: 0.95\n")
    result = invoke(runner, "--rules", "git:HEAD", "--rules", "rules", FACTS_2024, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["old"] == "git:HEAD"
    assert [(f["rule"], f["project"]) for f in document["added"]] == [("execution.below-warning-line", "城管进社区")]
    assert (repo / "rules" / "parameters.yaml").read_text(encoding="utf-8").count("0.95") == 1  # untouched


@pytest.mark.parametrize("spec, message", [("git:no-such-rev", "无法从 git 取出"), ("git:", "没有给出"),
                                           ("git:HEAD:nowhere", "无法从 git 取出")])
def test_bad_git_revisions(runner, repo, spec, message):
    result = invoke(runner, "--rules", spec, "--rules", "rules", FACTS_2024)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output

"""perfaudit test: rule tests as data (rules/tests/*.yaml), the runner, and coverage."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest

from engine.analysis.coverage import coverage
from engine.analysis.ruletest import run_tests, same_value, select
from engine.cli import cli

from .conftest import BACKENDS, RULES

LAST_LINE = re.compile(r"^(\d+) passed, (\d+) failed$")

FAILING = """\
- name: 故意写错的期望
  year: 2024
  facts:
    projects:
      - name: 甲项目
        budget: {full_year: 100.00, executed: 75.00}
  expect:
    - {rule: execution.below-warning-line, project: 甲项目}
- name: 正确的期望
  year: 2024
  facts:
    projects:
      - name: 甲项目
        budget: {full_year: 100.00, executed: 65.00}
  expect:
    - {rule: execution.below-warning-line, project: 甲项目, evidence: {执行率: "65%"}}
"""


@pytest.fixture(scope="module")
def program(rule_test_run):
    return rule_test_run[0]


@pytest.fixture(scope="module")
def shipped(rule_test_run):
    return rule_test_run[1]


def last_line(output: str) -> str:
    return output.rstrip("\n").splitlines()[-1]


# ---- the shipped rule tests ----------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_shipped_rule_test_passes(program, shipped, rule_test_run, backend):
    results = rule_test_run[2] if backend == "python" else run_tests(program, shipped, backend)
    failed = [(r.case.label, [f.expectation.describe() for f in r.failures]) for r in results if not r.passed]
    assert failed == []
    assert len(results) >= 80


def test_coverage_reports_every_shipped_rule_as_tested_on_every_branch(program, rule_test_run):
    report = coverage(program, rule_test_run[2])
    assert {r.rule for r in report} == {c.rule.id for c in program.rules}
    assert [r.rule for r in report if not r.tests] == []
    assert {r.rule: [leaf.text for leaf in r.gaps] for r in report if r.gaps} == {}


def test_boundaries_from_the_issue_are_tested(shipped):
    names = " / ".join(c.name for c in shipped)
    for boundary in ("恰好 70%(5.81 / 8.3)", "69.99%", "恰好 90 分", "89.99 分", "不在对照表中", "无法评估"):
        assert boundary in names, boundary


def test_every_family_has_its_own_test_file(program):
    families = {c.rule.location.file.rsplit("/", 1)[-1] for c in program.rules}
    for rules_file in families:
        assert (RULES / "tests" / rules_file).is_file(), rules_file


def test_cli_runs_shipped_tests_and_ends_with_the_count_line(runner, shipped):
    result = runner.invoke(cli, ["test", "--rules", str(RULES), "--backend", "python"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == f"{len(shipped)} passed, 0 failed"


def test_keyword_selects_cases_by_name_or_rule(runner, shipped):
    result = runner.invoke(cli, ["test", "--rules", str(RULES), "-k", "grading.unknown-grade-word",
                                 "--backend", "python"])
    expected = len(select(shipped, "grading.unknown-grade-word"))
    assert 0 < expected < len(shipped)
    assert last_line(result.output) == f"{expected} passed, 0 failed"
    assert f"跳过 {len(shipped) - expected} 个用例" in result.output


def test_coverage_flag_prints_coverage_before_the_count_line(runner):
    result = runner.invoke(cli, ["test", "--rules", str(RULES), "--coverage", "--backend", "python"])
    assert result.exit_code == 0, result.output
    assert "没有任何测试的规则(0 条)" in result.output
    assert "execution.below-warning-line  预算执行率低于预警线" in result.output
    assert LAST_LINE.match(last_line(result.output))


def test_coverage_lists_untested_rules_first_and_missing_branches(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    (rules / "tests").mkdir()
    (rules / "tests" / "one.yaml").write_text(FAILING.split("- name: 正确的期望")[0].replace(
        "executed: 75.00", "executed: 65.00"), "utf-8")
    result = runner.invoke(cli, ["test", "--rules", str(rules), "--coverage", "--backend", "python"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("覆盖率")
    assert lines[start + 2].startswith("没有任何测试的规则(")
    assert lines[start + 3].startswith("  consistency.")  # untested rules come first
    tested = lines.index("execution.below-warning-line  预算执行率低于预警线")
    assert "    when: project.budget.full_year > 0  —— 从未不成立" in lines[tested:tested + 6]
    assert any("—— 从未不成立" in line and "param.exec_warning_line" in line for line in lines[tested:tested + 6])


# ---- the runner itself -----------------------------------------------------------------------


def test_a_failing_case_is_reported_with_expected_actual_and_explanation(runner, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(FAILING, "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES), "--backend", "python"])
    assert result.exit_code == 1
    out = result.output
    assert "  失败  故意写错的期望" in out and "  通过  正确的期望" in out
    assert "应当出现: execution.below-warning-line 项目=甲项目  (" in out and "t.yaml:8)" in out
    assert "实际该规则的发现: (无)" in out
    assert "规则的判定过程:" in out
    assert "执行率 = 全年执行 / 全年预算 = 75.00 / 100.00 = 75% < 预警线 70% → 不成立" in out
    assert "差距: 执行率 比 预警线 高 5 个百分点" in out
    assert last_line(out) == "1 passed, 1 failed"


def test_an_unwanted_finding_fails_the_case(runner, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("- name: 不应出现\n  year: 2024\n  facts:\n    projects:\n      - name: 甲项目\n"
                    "        budget: {full_year: 10.00, executed: 5.00}\n"
                    "  expect_not:\n    - {rule: execution.below-warning-line}\n", "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES), "--backend", "python"])
    assert result.exit_code == 1
    assert "不应出现: execution.below-warning-line" in result.output
    assert "[触发] execution.below-warning-line (甲项目) 甲项目全年执行 5.00万元" in result.output
    assert "执行率=50%" in result.output
    assert last_line(result.output) == "0 passed, 1 failed"


def test_evidence_mismatch_fails_the_case(runner, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(FAILING.split("- name: 正确的期望")[1].join(["- name: 错的证据", ""]).replace('"65%"', '"65.5%"'),
                    "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES), "--backend", "python"])
    assert result.exit_code == 1, result.output
    assert "执行率=65.5%" in result.output
    assert "[触发] execution.below-warning-line (甲项目)" in result.output


def test_a_malformed_test_file_exits_2_with_file_and_line(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- name: 一\n  year: 2024\n  facts:\n    projects:\n      - name: 甲项目\n"
                    "        budget: {full_year: \"100万元\"}\n"
                    "  expect:\n    - {rule: execution.below-warnig-line}\n"
                    "- name: 二\n  yaer: 2024\n  expect: []\n", "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES)])
    assert result.exit_code == 2
    assert "bad.yaml:10:3: 未知字段 “yaer”" in result.output
    assert "你是不是想写: year?" in result.output
    assert "passed" not in result.output
    path.write_text("\n".join(path.read_text("utf-8").splitlines()[:8]) + "\n", "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES)])
    assert result.exit_code == 2
    assert "bad.yaml:6:29: 类型错误" in result.output and "[0].facts.projects[0].budget.full_year" in result.output
    assert "bad.yaml:8:14: 未知规则 “execution.below-warnig-line”" in result.output


def test_expectations_are_checked_against_the_facts_and_rules(runner, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("- name: 名称写错\n  year: 2024\n  facts:\n    projects:\n      - name: 甲项目\n"
                    "  expect:\n    - {rule: execution.below-warning-line, project: 甲项木, evidence: {执行律: 1}}\n"
                    "- name: 没有期望\n  year: 2024\n  facts: {projects: [{name: 乙项目}]}\n"
                    "- name: 参数没有取值的年度\n  year: 2019\n  facts: {projects: [{name: 乙项目}]}\n"
                    "  expect_not: [{rule: grading.band-mismatch}]\n", "utf-8")
    result = runner.invoke(cli, ["test", str(path), "--rules", str(RULES)])
    assert result.exit_code == 2
    out = result.output
    assert "t.yaml:7:" in out and "事实中没有项目 “甲项木”" in out and "你是不是想写: 甲项目?" in out
    assert "没有名为 “执行律” 的证据" in out
    assert "t.yaml:8:3: 用例没有任何期望" in out
    # the grade parameters start in 2020: in 2019 the rule is not in force, so expecting anything of it is an error
    assert "t.yaml:14:" in out and "规则 “grading.band-mismatch” 在 2019 年不生效(参数 grade_bands、grade_vocabulary " \
        "在该年没有取值)" in out


def test_facts_file_is_relative_to_the_test_file(runner, tmp_path):
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "r.yaml").write_text("department: 甲局\nyear: 2024\ndocument: {title: t}\nunit: 万元\nprojects:\n"
                                  "  - name: 甲项目\n    budget: {section: s, full_year: 10.00, executed: 5.00}\n",
                                  "utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "t.yaml").write_text("- name: 文件\n  year: 2024\n  facts_file: ../facts/r.yaml\n"
                                  "  expect: [{rule: execution.below-warning-line, project: 甲项目}]\n", "utf-8")
    result = runner.invoke(cli, ["test", str(tests), "--rules", str(RULES), "--backend", "python"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == "1 passed, 0 failed"
    (tests / "t.yaml").write_text("- name: 文件\n  year: 2024\n  facts_file: ../facts/none.yaml\n"
                                  "  expect: [{rule: execution.below-warning-line}]\n", "utf-8")
    result = runner.invoke(cli, ["test", str(tests), "--rules", str(RULES)])
    assert result.exit_code == 2 and "t.yaml:3:15: 事实文件 “../facts/none.yaml” 不存在" in result.output


@pytest.mark.parametrize("expected, actual, same", [
    ("65.66%", Decimal("111.85") / Decimal("170.35"), True),
    ("65.65%", Decimal("111.85") / Decimal("170.35"), False),
    ("70%", Decimal("5.81") / Decimal("8.3"), True),
    ("69.99%", Decimal("0.6999"), True),
    ("70%", Decimal("0.6999"), True),  # written to whole percents, compared at whole percents
    ("70.00%", Decimal("0.6999"), False),
    (90, Decimal("90.00"), True),
    (Decimal("89.99"), Decimal("90.00"), False),
    (["宣传部"], ["宣传部"], True),
    (["宣传部"], [], False),
    ("优", "优", True),
    ("优", "良", False),
    (None, None, True),
    (None, Decimal(0), False),
])
def test_evidence_values_compare_at_the_written_precision(expected, actual, same):
    assert same_value(expected, actual) is same

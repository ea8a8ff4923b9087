"""`perfaudit test` for CI: no match is not a pass, parameter values count in coverage, -k narrows coverage,
JSON and JUnit XML output, a --min-coverage gate."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from engine.analysis.coverage import coverage, coverage_counts, parameter_coverage
from engine.analysis.ruletest import run_tests
from engine.cli import cli

from .conftest import RULES
from .test_ruletests import FAILING  # one failing and one passing case


def run(runner, *args):
    return runner.invoke(cli, ["test", "--rules", str(RULES), *args])


def test_a_filter_that_matches_nothing_is_not_a_pass(runner):
    result = run(runner, "-k", "不存在的")
    assert result.exit_code == 5
    assert "没有与 -k 不存在的 匹配的测试用例" in result.stderr
    assert "0 passed" not in result.stdout


def test_deleting_the_tests_of_one_years_parameter_value_lowers_coverage(rule_test_run):
    program, cases, results = rule_test_run
    full = parameter_coverage(program, results)
    assert all(p.covered for p in full) and ("indicator_budget_ratio", 2025) in {(p.name, p.year) for p in full}
    without_2025 = [c for c in cases if c.year != 2025]
    results = run_tests(program, without_2025, "python")
    uncovered = [(p.name, p.year) for p in parameter_coverage(program, results) if not p.covered]
    assert ("indicator_budget_ratio", 2025) in uncovered
    assert coverage_counts(coverage(program, results), parameter_coverage(program, results))["percent"] < 100


def test_coverage_with_k_covers_only_the_selected_rules(runner):
    result = run(runner, "-k", "grading.band-mismatch", "--coverage")
    assert result.exit_code == 0, result.output
    assert "没有任何测试的规则(0 条)" in result.stdout
    assert "规则 32 条" not in result.stdout  # only the rules the selected cases name


def test_json_output_and_junit_xml(runner, tmp_path):
    bad = tmp_path / "坏.yaml"
    bad.write_text(FAILING, encoding="utf-8")
    junit = tmp_path / "结果.xml"
    result = run(runner, str(bad), str(RULES / "tests" / "grading.yaml"), "--format", "json",
                 "--junit-xml", str(junit), "--coverage")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"]["failed"] == 1 and document["summary"]["passed"] >= 9
    failing = [t for t in document["tests"] if not t["passed"]]
    assert failing[0]["name"] == "故意写错的期望"
    assert "execution.below-warning-line" in failing[0]["failures"][0]["expectation"]
    assert "应当出现" in failing[0]["failures"][0]["detail"]
    assert set(document["coverage"]) >= {"percent", "rules", "branches", "parameter_values"}
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1" and suite.get("tests") == str(len(document["tests"]))
    failure = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failure] == ["故意写错的期望"]


def test_junit_xml_never_replaces_a_test_file(runner, tmp_path):
    target = tmp_path / "t.yaml"
    target.write_text(FAILING, encoding="utf-8")
    result = run(runner, str(target), "--junit-xml", str(target))
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == FAILING


def test_min_coverage_gate(runner):
    below = run(runner, "-k", "grading", "--min-coverage", "100")
    assert below.exit_code == 1
    assert "低于 --min-coverage 100%" in below.stderr
    assert run(runner, "--min-coverage", "100").exit_code == 0  # the shipped tests cover everything
    assert run(runner, "-k", "grading", "--min-coverage", "10").exit_code == 0

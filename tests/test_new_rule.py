"""`perfaudit new-rule` (issue 16 item 9): a rule stub, an unverified source stub and the four test cases every
rule needs, all failing with a message saying what to fill in, the stub inert on real reports, nothing overwritten."""
from __future__ import annotations

import json
import shutil

import pytest

from engine import evaluate, load_rules
from engine.cli import cli

from .conftest import RULES

RULE = "execution.below-half"


@pytest.fixture
def rules(tmp_path):
    """A copy of the shipped rules without the test file that reads facts from outside the copy."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / "tests" / "seed-2024.yaml").unlink()
    return folder


def new_rule(runner, rules, *extra, rule=RULE):
    return runner.invoke(cli, ["new-rule", rule, "--family", "execution-rate", "--rules", str(rules), *extra])


@pytest.mark.parametrize("subject", ["project", "report", "indicator", "claim", "commitment"])
def test_stub_is_accepted_by_check_and_its_four_cases_fail_saying_what_to_fill(runner, rules, subject):
    out = new_rule(runner, rules, "--subject", subject)
    assert out.exit_code == 0, out.output
    rule_file, tests_file = rules / f"{RULE}.yaml", rules / "tests" / f"{RULE}.yaml"
    assert tests_file.is_file()
    assert "待填写" in rule_file.read_text(encoding="utf-8") and "unverified" in rule_file.read_text(encoding="utf-8")
    checked = runner.invoke(cli, ["check", "--rules", str(rules)])
    assert checked.exit_code == 0, checked.output
    assert "execution-below-half-source/待填写:条款" in checked.output  # listed as not yet verified
    tested = runner.invoke(cli, ["test", "--rules", str(rules), "-k", RULE, "--backend", "python"])
    assert tested.exit_code == 1, tested.output
    assert tested.output.rstrip().endswith("0 passed, 4 failed")
    assert tested.output.count("用例尚未写完") == 4
    assert "恰好在界线上" in tested.output and "无法评估" in tested.output
    assert "填好后删去 todo 行" in tested.output


def test_unfilled_stub_reports_nothing_on_real_reports(runner, rules, seed_reports):
    assert new_rule(runner, rules, "--subject", "project").exit_code == 0
    result = evaluate(load_rules(rules), seed_reports, backend="python")
    assert not [f for f in result.findings if f.rule == RULE]


def test_a_case_with_todo_fails_even_when_its_expectations_hold(runner, rules):
    (rules / "tests" / "todo.yaml").write_text(
        "- name: 写了 todo 的用例\n  todo: 待填写:边界值\n  year: 2024\n"
        "  facts: {projects: [{name: 甲项目, budget: {full_year: 100, executed: 90}}]}\n"
        "  expect_not: [{rule: execution.below-warning-line, project: 甲项目}]\n", encoding="utf-8")
    out = runner.invoke(cli, ["test", str(rules / "tests" / "todo.yaml"), "--rules", str(rules),
                              "--format", "json", "--backend", "python"])
    assert out.exit_code == 1, out.output
    case = json.loads(out.stdout)["tests"][0]
    assert case["passed"] is False and case["failures"] == [] and "边界值" in case["todo"]


def test_never_overwrites_an_existing_file(runner, rules):
    tests_file = rules / "tests" / f"{RULE}.yaml"
    tests_file.write_text("# 审计人员已写的测试\n", encoding="utf-8")
    out = new_rule(runner, rules)
    assert out.exit_code == 2, out.output
    assert "文件已存在,不会覆盖" in out.output
    assert tests_file.read_text(encoding="utf-8") == "# 审计人员已写的测试\n"
    assert not (rules / f"{RULE}.yaml").exists()  # none of the files is written when one exists


def test_refuses_an_existing_rule_id_and_a_malformed_one(runner, rules):
    before = sorted(p.name for p in rules.rglob("*"))
    taken = new_rule(runner, rules, rule="execution.below-warning-line")
    assert taken.exit_code == 2 and "已存在" in taken.output
    malformed = new_rule(runner, rules, rule="执行率")
    assert malformed.exit_code == 2 and "类别.名称" in malformed.output
    assert sorted(p.name for p in rules.rglob("*")) == before

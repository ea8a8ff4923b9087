"""Input limits that have no YAML-corpus form (issue 11, items 10 and 11): round()'s places, the
evaluator's rounding of values wider than Decimal's default 28 digits, where a rule test may read facts."""
from __future__ import annotations

from decimal import Context, Decimal

import pytest

from engine.cli import cli
from engine.expr.functions import FUNCTIONS

from .conftest import RULES
from .test_expr import check


@pytest.mark.parametrize("places", ["99999999", "11", "-1", "1.5", "50%", "param.exec_warning_line",
                                    "project.score.total"])
def test_round_places_must_be_a_small_whole_number_written_in_the_rule(places):
    _, problems = check(f"round(project.budget.executed, {places}) > 0")
    assert [p.message for p in problems] == ["round() 的小数位应直接写成 0 到 10 之间的整数"]
    assert problems[0].pos == len("round(project.budget.executed, ")


@pytest.mark.parametrize("places", ["0", "2", "10"])
def test_round_places_in_range_are_accepted(places):
    assert check(f"round(project.budget.executed, {places}) > 0") == ("bool", [])


def test_round_of_a_value_wider_than_28_digits_is_exact_not_an_error():
    _round = FUNCTIONS["round"][2]
    wide = Decimal("12345678901234567890.123456789")  # a product of two amounts can be this wide
    assert _round(wide * wide, Decimal(10)) == (wide * wide).quantize(Decimal("1e-10"), context=Context(prec=80))
    assert _round(Decimal("2.345"), Decimal(2)) == Decimal("2.35")


FACTS = ("department: 某局\nyear: 2024\ndocument: {title: t}\nunit: 万元\nprojects:\n"
         "  - name: 甲项目\n    budget: {section: s, full_year: 10.00, executed: 5.00}\n")


def test_a_rule_test_reads_facts_only_inside_its_project(runner, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "r.yaml").write_text(FACTS, "utf-8")
    tests = tmp_path / "project" / "tests"
    tests.mkdir(parents=True)
    (tmp_path / "project" / "link").symlink_to(outside)
    cases = "".join(f"- name: 用例{n}\n  year: 2024\n  facts_file: {target}\n"
                    "  expect: [{rule: execution.below-warning-line}]\n"
                    for n, target in enumerate(["../../outside/r.yaml", "../link/r.yaml"], start=1))
    (tests / "t.yaml").write_text(cases, "utf-8")
    out = runner.invoke(cli, ["test", str(tests), "--rules", str(RULES), "--backend", "python"])
    assert out.exit_code == 2, out.output
    assert "t.yaml:3:15: 用例“用例1”的 facts_file “../../outside/r.yaml” 在规则项目目录" in out.output
    assert "t.yaml:7:15: 用例“用例2”的 facts_file “../link/r.yaml” 在规则项目目录" in out.output

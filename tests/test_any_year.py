"""Any year: a report of a year for which some parameters have no value is evaluated, never refused;
the rules that could not apply are listed in the run summary and in explain (issue 13, item 2)."""
from __future__ import annotations

import json

import pytest

from engine.cli import cli

from .conftest import FACTS_2024, RULES
from .factsfile import project, write_facts


def seed_as(year: int, folder, region: str = ""):
    source = next(FACTS_2024.glob("*.yaml"))
    folder.mkdir()
    text = source.read_text(encoding="utf-8").replace("\nyear: 2024\n", f"\nyear: {year}\n", 1)
    assert f"\nyear: {year}\n" in text
    if region:  # where the report is decides which local packs (rules/jurisdictions.yaml) judge it
        text = text.replace("\nunit: 万元\n", f"\nregion: {region}\nunit: 万元\n", 1)
    (folder / source.name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("year, region, missing", [
    (2019, "", {"grading.band-mismatch", "grading.unknown-grade-word"}),
    # the 四川 90% explanation line starts in 2023: a 四川 report of 2022 is judged without it
    (2022, "{province: 四川省}", {"execution.explanation-missing"}),
])
def test_an_older_report_evaluates_and_lists_the_rules_without_parameter_values(runner, tmp_path, year, region,
                                                                                 missing):
    facts = seed_as(year, tmp_path / str(year), region)
    result = runner.invoke(cli, ["evaluate", "--rules", str(RULES), "--format", "json", "--backend", "python",
                                 str(facts)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    listed = {item["rule"] for item in document["summary"]["not_in_force"]}
    assert missing <= listed
    assert all(item["year"] == year and item["missing_parameters"] for item in document["summary"]["not_in_force"])
    assert not listed & {f["rule"] for f in document["findings"]}
    assert document["findings"], "the rules that do apply still run"
    check = runner.invoke(cli, ["check", "--rules", str(RULES), str(facts)])
    assert check.exit_code == 0, check.output
    assert f"在 {year} 年无参数取值，未适用" in check.stdout


def test_explain_names_the_rules_not_in_force(runner, tmp_path):
    facts = seed_as(2019, tmp_path / "2019")
    result = runner.invoke(cli, ["explain", "--rules", str(RULES), "--backend", "python", str(facts),
                                 "--project", "智慧城管"])
    assert result.exit_code == 0, result.output
    assert "在 2019 年无参数取值，未适用（1 份报告）：" in result.stdout
    assert "grading.band-mismatch（缺参数 grade_bands、grade_vocabulary）" in result.stdout


def test_a_year_where_every_rule_applies_has_no_not_in_force_key(runner):
    result = runner.invoke(cli, ["evaluate", "--rules", str(RULES), "--format", "json", "--backend", "python",
                                 str(FACTS_2024)])
    assert result.exit_code == 0
    assert "not_in_force" not in json.loads(result.stdout)["summary"]


@pytest.mark.parametrize("year, rule, why", [
    (2019, "execution.below-warning-line", "自 2024 年起生效"),
    (2024, "execution.explanation-missing", "只适用于四川省,本报告不在其内"),
])
def test_explain_says_why_a_rule_asked_for_explains_nothing(runner, tmp_path, year, rule, why):
    facts = seed_as(year, tmp_path / str(year))
    for output in ("text", "json"):
        result = runner.invoke(cli, ["explain", "--rules", str(RULES), "--backend", "python", str(facts),
                                     "--project", "智慧城管", "--rule", rule, "--format", output])
        assert result.exit_code == 0, result.output
        if output == "text":  # before: only 没有适用于本项目的规则, with no reason
            assert f"规则 {rule} 未用于 {year} 年的报告:{why}" in result.stdout
        else:
            assert json.loads(result.stdout)["not_shown"] == [{"year": year, "rule": rule, "why": why, "reports": 1}]


def test_explain_says_the_project_has_nothing_the_rule_judges(runner, tmp_path):
    folder = write_facts(tmp_path / "facts", [project("甲项目", full_year=10, executed=9)]).parent
    result = runner.invoke(cli, ["explain", "--rules", str(RULES), "--backend", "python", str(folder),
                                 "--project", "甲项目", "--rule", "indicator-review.target-exceeds-budget"])
    assert result.exit_code == 0, result.output
    assert "未用于 2024 年的报告:本项目没有该规则判定的指标" in result.stdout


def test_explain_of_a_rule_that_applies_says_nothing_more(runner):
    result = runner.invoke(cli, ["explain", "--rules", str(RULES), "--backend", "python", str(FACTS_2024),
                                 "--project", "智慧城管", "--rule", "execution.below-warning-line", "--format", "json"])
    assert result.exit_code == 0 and "not_shown" not in json.loads(result.stdout)


def test_explain_gives_each_year_its_own_reason(runner, tmp_path):
    # 2022 (四川): the rule lacks its parameter that year; 2024 (杜集区): its jurisdiction leaves the report out
    older = seed_as(2022, tmp_path / "2022", "{province: 四川省}")
    newer = seed_as(2024, tmp_path / "2024")
    result = runner.invoke(cli, ["explain", "--rules", str(RULES), "--backend", "python", str(older), str(newer),
                                 "--project", "智慧城管", "--rule", "execution.explanation-missing", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(item["year"], item["rule"]) for item in document["not_in_force"]] == [
        (2022, "execution.explanation-missing")]
    assert document["not_shown"] == [{"year": 2024, "rule": "execution.explanation-missing",
                                      "why": "只适用于四川省,本报告不在其内", "reports": 1}]

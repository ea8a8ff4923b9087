"""Jurisdictions: local policy applies only where its jurisdiction covers the report (issue 13, item 3).

The 70% warning line is 杜集区城市管理局's own measure, the 90% explanation line a 四川 form's; a report
from elsewhere is judged by neither unless an auditor widens the pack in rules/jurisdictions.yaml. An
example parameter value (no real source) reaches only example reports."""
from __future__ import annotations

import json
import shutil

import pytest

from engine import load_rules
from engine.cli import cli
from engine.core.model import NATIONAL, ReportScope

from .conftest import FACTS_2024, RULES

SEED = next(FACTS_2024.glob("*.yaml"))
DUJI = "杜集区城市管理局"


def report_from(folder, department=DUJI, region=None, year=2024, example=False):
    text = SEED.read_text(encoding="utf-8")
    text = text.replace(f"department: {DUJI}\n", f"department: {department}\n", 1)
    if region:
        text = text.replace("\nunit: 万元\n", "\nregion: {" + ", ".join(f"{k}: {v}" for k, v in region.items())
                            + "}\nunit: 万元\n", 1)
    text = text.replace("\nyear: 2024\n", f"\nyear: {year}\n", 1)
    if example:
        text = text.replace("\ndocument:\n", "\ndocument:\n  example: true\n", 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.yaml").write_text(text, encoding="utf-8")
    return folder


def evaluate(runner, facts, rules=RULES) -> dict:
    result = runner.invoke(cli, ["evaluate", "--rules", str(rules), "--format", "json", "--backend", "python",
                                 str(facts)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fired(document) -> set:
    return {f["rule"] for f in document["findings"]}


def test_the_units_own_measures_apply_to_its_report_and_are_named_in_the_summary(runner, tmp_path):
    document = evaluate(runner, report_from(tmp_path / "f"))
    assert "execution.below-warning-line" in fired(document)
    assert document["summary"]["jurisdictions"] == [{"id": "dujiqu-cgj", "title": "杜集区城市管理局本单位口径",
                                                     "reports": 1}]


def test_a_sichuan_report_is_not_judged_by_another_units_warning_line(runner, tmp_path):
    facts = report_from(tmp_path / "f", department="某县林业局", region={"province": "四川省", "county": "某县"})
    document = evaluate(runner, facts)
    assert not fired(document) & {"execution.below-warning-line", "indicator-review.target-exceeds-budget",
                                  "cross-department.no-approval"}
    assert [j["id"] for j in document["summary"]["jurisdictions"]] == ["sichuan"]
    # a local rule outside its jurisdiction is simply not the report's rule: not listed as "not applied"
    assert "not_in_force" not in document["summary"]
    # the national rules still judge it
    assert "grading.band-mismatch" in fired(document)


def test_an_auditor_widens_a_local_pack_in_yaml(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    path = rules / "jurisdictions.yaml"
    text = path.read_text(encoding="utf-8")
    assert "      - {unit: 杜集区城市管理局}\n" in text
    path.write_text(text.replace("      - {unit: 杜集区城市管理局}\n",
                                 "      - {unit: 杜集区城市管理局}\n      - {province: 安徽省, city: 淮北市}\n"), "utf-8")
    inside = report_from(tmp_path / "in", department="相山区城市管理局", region={"province": "安徽省", "city": "淮北市"})
    outside = report_from(tmp_path / "out", department="某区城市管理局", region={"province": "安徽省", "city": "合肥市"})
    assert "execution.below-warning-line" in fired(evaluate(runner, inside, rules))
    assert "execution.below-warning-line" not in fired(evaluate(runner, outside, rules))


def test_an_example_value_never_reaches_a_real_report():
    ruleset = load_rules(RULES)
    ratio = ruleset.parameters["indicator_budget_ratio"]
    covering = frozenset({NATIONAL, "dujiqu-cgj"})
    assert str(ratio.value_for(ReportScope(2025, covering, True)).value) == "1.20"
    assert str(ratio.value_for(ReportScope(2025, covering, False)).value) == "1.00"
    assert ratio.value_for(ReportScope(2025, frozenset({NATIONAL}), True)) is None


def test_the_most_specific_jurisdiction_wins_within_a_year(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    path = rules / "parameters.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      2024:\n        value: 0.70\n        jurisdiction: dujiqu-cgj\n"
    assert old in text
    cite = "        cite:\n          - {source: dujiqu-cgj-2024, clause: 四(二)2}\n"
    new = ("      2024:\n        - value: 0.80\n          cite:\n            - {source: dujiqu-cgj-2024, clause: 四(二)2}\n"
           "        - value: 0.70\n          jurisdiction: dujiqu-cgj\n")
    text = text.replace(old + cite, new + "  " + cite.replace("\n          -", "\n            -"), 1)
    path.write_text(text, encoding="utf-8")
    line = load_rules(rules).parameters["exec_warning_line"]
    assert str(line.value_for(ReportScope(2024, frozenset({NATIONAL}))).value) == "0.80"
    assert str(line.value_for(ReportScope(2024, frozenset({NATIONAL, "dujiqu-cgj"}))).value) == "0.70"
    assert line.value_for(ReportScope(2023, frozenset({NATIONAL, "dujiqu-cgj"}))) is None


@pytest.mark.parametrize("edit, message", [
    (("jurisdiction: dujiqu-cgj   #", "jurisdiction: dujiqu-cjg   #"), "未定义的地方口径 “dujiqu-cjg”"),
])
def test_an_unknown_jurisdiction_is_a_located_error(runner, tmp_path, edit, message):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    path = rules / "execution-rate.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(*edit, 1), encoding="utf-8")
    result = runner.invoke(cli, ["check", "--rules", str(rules)])
    assert result.exit_code == 2
    assert "execution-rate.yaml:" in result.stderr and message in result.stderr
    assert "你是不是想写: dujiqu-cgj" in result.stderr
    assert "规则目录中 jurisdictions: 下定义的编号" in result.stderr  # not a fixed path: the folder may be any


def test_a_rule_test_outside_a_local_packs_reach_names_where_the_pack_is_defined(runner, tmp_path):
    """Not a fixed "rules/jurisdictions.yaml": the file and line of the pack in the rules folder given."""
    rules = tmp_path / "我的规则"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    (rules / "tests").mkdir()
    (rules / "tests" / "case.yaml").write_text(
        "- name: 别的单位的报告\n  year: 2024\n  department: 某县林业局\n  facts:\n    projects:\n"
        "      - name: 甲项目\n        budget: {full_year: 100.00, executed: 69.99}\n"
        "  expect:\n    - {rule: execution.below-warning-line, project: 甲项目}\n", encoding="utf-8")
    result = runner.invoke(cli, ["test", "--rules", str(rules)])
    assert result.exit_code == 2, result.output
    pack = load_rules(rules).jurisdictions["dujiqu-cgj"].location
    assert f"covers 之内({pack.file}:{pack.line})" in result.stderr and "rules/jurisdictions.yaml" not in result.stderr

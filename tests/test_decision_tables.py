"""Decision tables (parameter kind `table`, and grade bands as one): static gap/overlap/domain checks, decide(),
and how explain and the HTML report show a table."""
from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest

from engine import load_rules
from engine.cli import cli

from .conftest import BACKENDS, RULES
from .factsfile import D, project, write_facts
from .test_rules_static import edit, errors, line_of

TABLE = """
  budget_score_table:
    title: 预算执行得分档次
    kind: table
    domain: {min: 0, max: 1}
    values:
      2024:
        value:
          - {min: 0.9, max: 1, include_max: true, value: 10}
          - {min: 0.8, max: 0.9, value: 8}
          - {min: 0, max: 0.8, value: 0}
        cite:
          - {source: dujiqu-cgj-2024, clause: 四(二)2}
"""

RULE = """
  - id: execution.score-table
    title: 预算执行得分与档次不符
    family: execution-rate
    severity: warning
    subject: project
    when: present(project.budget.rate)
    condition: decide(param.budget_score_table, project.budget.rate) > 5
    evidence:
      档次得分: decide(param.budget_score_table, project.budget.rate)
    message: "{项目}按执行率应得 {档次得分} 分"
    cite:
      - {source: dujiqu-cgj-2024, clause: 四(二)2}
"""


@pytest.fixture
def rules_dir(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    with open(target / "parameters.yaml", "a", encoding="utf-8") as out:
        out.write(TABLE)
    with open(target / "execution-rate.yaml", "a", encoding="utf-8") as out:
        out.write(RULE)
    return target


def test_a_table_that_covers_its_domain_loads_with_number_results(rules_dir):
    table = load_rules(rules_dir).parameters["budget_score_table"]
    assert table.type == "table[num]"
    assert [row["value"] for row in table.values[0].value] == [Decimal(10), Decimal(8), Decimal(0)]


@pytest.mark.parametrize("old, new, message", [
    ("{min: 0.8, max: 0.9, value: 8}", "{min: 0.85, max: 0.9, value: 8}", "决策表不连续: 0 的上限 0.8 与 8 的下限 0.85"),
    ("{min: 0.8, max: 0.9, value: 8}", "{min: 0.8, max: 0.9, include_max: true, value: 8}", "决策表重叠: 8 的上限"),
    ("{min: 0.8, max: 0.9, value: 8}", "{min: 0.8, max: 0.9, include_min: false, value: 8}", "决策表不连续"),
    ("{min: 0.9, max: 1, include_max: true, value: 10}", "{min: 0.9, max: 1, value: 10}", "没有覆盖取值范围的上端 1"),
    ("{min: 0, max: 0.8, value: 0}", "{min: 0.1, max: 0.8, value: 0}", "没有覆盖取值范围的下端 0"),
    ("{min: 0.9, max: 1, include_max: true, value: 10}", "{min: 0.9, max: 1.2, include_max: true, value: 10}",
     "超出取值范围 [0, 1]"),
    ("{min: 0, max: 0.8, value: 0}", "{min: 0, max: 0.8, value: 不得分}", "取值应同为数字或同为文字"),
])
def test_gaps_overlaps_and_domain_ends_are_found_when_rules_load(rules_dir, old, new, message):
    path = rules_dir / "parameters.yaml"
    edit(path, old, new)
    [problem] = errors(rules_dir)
    assert message in problem.message
    # located at the table's value (or the row at fault), not at the top of the file
    assert problem.file.endswith("parameters.yaml") and problem.line >= line_of(path, "budget_score_table:")


def test_a_table_without_a_domain_is_refused_with_an_example(rules_dir):
    edit(rules_dir / "parameters.yaml", "    domain: {min: 0, max: 1}\n", "")
    [problem] = errors(rules_dir)
    assert problem.message == "决策表需要取值范围 domain" and "{min: 0, max: 1}" in problem.expected


def test_grade_bands_overlapping_at_a_point_are_found(rules_dir):
    # 良 [80, 90] and 优 [90, 100]: 90 would be in two bands; the old check only compared the numbers
    edit(rules_dir / "parameters.yaml", "{grade: 良, min: 80, max: 90}", "{grade: 良, min: 80, max: 90, include_max: true}")
    [problem] = errors(rules_dir)
    assert "等级档次重叠: 良 的上限 90" in problem.message


def test_decide_result_is_typed_by_the_table(rules_dir):
    edit(rules_dir / "execution-rate.yaml", "decide(param.budget_score_table, project.budget.rate) > 5",
         'decide(param.budget_score_table, project.budget.rate) == "优"')
    [problem] = errors(rules_dir)
    assert "execution-rate.yaml" in problem.file


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rate, fired, score", [("95.00%", True, "10"), ("90.00%", True, "10"),
                                                ("89.99%", True, "8"), ("100.00%", True, "10"),
                                                ("79.99%", False, None), ("100.01%", None, None)])
def test_decide_at_the_boundaries(runner, rules_dir, tmp_path, backend, rate, fired, score):
    facts = write_facts(tmp_path / "facts", [project(rate=rate)])
    result = runner.invoke(cli, ["evaluate", "--rules", str(rules_dir), "--format", "json", "--backend", backend,
                                 str(facts)])
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    found = [f for f in document["findings"] if f["rule"] == "execution.score-table"]
    if fired is None:  # 100.01% is outside every row: unknown, so the rule cannot evaluate
        assert [f["outcome"] for f in found] == ["cannot-evaluate"]
    else:
        assert [f["outcome"] for f in found] == (["fired"] if fired else [])
        if fired:
            assert found[0]["evidence"]["档次得分"] == score


def test_explain_and_html_show_the_table_row_by_row(runner, rules_dir, tmp_path):
    facts = write_facts(tmp_path / "facts", [project(rate="95.00%")])
    explain = ["explain", str(facts), "--rules", str(rules_dir), "-p", "甲项目", "--rule", "execution.score-table"]
    plain = runner.invoke(cli, explain).stdout
    assert "参数: 预算执行得分档次(2024 年起," in plain
    detail = runner.invoke(cli, [*explain, "--detail"]).stdout
    assert "参数: 预算执行得分档次(budget_score_table),自 2024 年起生效" in detail
    for text in (plain, detail):
        assert "  [0.9, 1] → 10\n" in text and "  [0.8, 0.9) → 8\n" in text and "  [0, 0.8) → 0\n" in text
    html = runner.invoke(cli, ["evaluate", "--rules", str(rules_dir), "--format", "html", str(facts)]).stdout
    assert ('<table class="evidence params"><caption>参数：预算执行得分档次，自 2024 年起</caption>'
            "<tr><th>[0.9, 1]</th><td>10</td></tr><tr><th>[0.8, 0.9)</th><td>8</td></tr>") in html


def test_band_and_decide_agree_on_grade_bands():
    from engine.expr.functions import FUNCTIONS
    bands = load_rules(RULES).parameters["grade_bands"].values[0].value
    band, decide = FUNCTIONS["band"][2], FUNCTIONS["decide"][2]
    for score in (D("0"), D("59.99"), D("60"), D("89.99"), D("90"), D("100"), D("100.01")):
        assert band(score, bands) == decide(bands, score)
    assert decide(bands, D("90")) == "优" and decide(bands, D("100.01")) is None


def test_grade_bands_keep_the_shape_the_json_output_prints():
    # evaluate --format json prints the parameter values: a band without include_max still says false
    bands = load_rules(RULES).parameters["grade_bands"].values[0].value
    assert bands[1] == {"grade": "良", "min": D(80), "max": D(90), "include_max": False}
    assert list(bands[1]) == ["grade", "min", "max", "include_max"]


def test_grade_bands_have_no_include_min(rules_dir):
    edit(rules_dir / "parameters.yaml", "{grade: 良, min: 80, max: 90}", "{grade: 良, min: 80, max: 90, include_min: true}")
    [problem] = errors(rules_dir)
    assert "grade" in problem.expected and "include_min" not in problem.expected

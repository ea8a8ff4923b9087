"""Drop-down lists in the xlsx template (issue 16 item 10): units, grades from the rules, indicator categories,
commitment types; and the csv template's message does not send people to a sheet a csv has not."""
from __future__ import annotations

import shutil

from openpyxl import load_workbook

from engine.cli import cli

from .conftest import FACTS_2024, RULES


def lists_of(path) -> dict:
    """(sheet, first cell of the range) -> (allowed values, error style)."""
    book = load_workbook(path)
    found = {}
    for ws in book:
        for validation in ws.data_validations.dataValidation:
            first = str(validation.sqref).split(":")[0]
            found[(ws.title, first)] = (validation.formula1.strip('"').split(","), validation.errorStyle)
    return found


def test_template_offers_lists_for_unit_categories_commitment_types_and_grades(runner, tmp_path):
    target = tmp_path / "t.xlsx"
    out = runner.invoke(cli, ["template", "xlsx", "-o", str(target), "--rules", str(RULES)])
    assert out.exit_code == 0, out.output
    lists = lists_of(target)
    assert lists[("部门表", "B5")] == (["万元", "元"], "stop")
    assert lists[("指标表", "B3")][0] == ["产出", "效益", "满意度"]
    assert "服务对象满意度" in lists[("指标表", "C3")][0]
    assert lists[("整改承诺", "D3")][0][:3] == ["签订协同文件", "纳入下年预算", "预算倾斜"]
    grades, style = lists[("项目表", "J4")]
    assert {"优", "良好", "合格", "不合格"} <= set(grades) and style == "warning"  # a new word is reported, not blocked


def test_grade_list_follows_the_auditors_vocabulary(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    parameters = rules / "parameters.yaml"
    parameters.write_text(parameters.read_text(encoding="utf-8").replace("不合格: 差}", "不合格: 差, 优良: 良}"),
                          encoding="utf-8")
    target = tmp_path / "t.xlsx"
    assert runner.invoke(cli, ["template", "xlsx", "-o", str(target), "--rules", str(rules)]).exit_code == 0
    assert "优良" in lists_of(target)[("项目表", "J4")][0]


def test_template_from_facts_keeps_the_lists(runner, tmp_path):
    target = tmp_path / "t.xlsx"
    source = next(FACTS_2024.glob("*.yaml"))
    out = runner.invoke(cli, ["template", "xlsx", "--from", str(source), "-o", str(target), "--rules", str(RULES)])
    assert out.exit_code == 0, out.output
    assert ("项目表", "J4") in lists_of(target)


def test_template_without_rules_still_has_the_schema_lists(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERFAUDIT_RULES", raising=False)
    out = runner.invoke(cli, ["template", "xlsx", "-o", "t.xlsx"])
    assert out.exit_code == 0, out.output
    lists = lists_of(tmp_path / "t.xlsx")
    assert ("部门表", "B5") in lists and ("项目表", "J4") not in lists


def test_csv_template_message_does_not_promise_a_sheet(runner, tmp_path):
    out = runner.invoke(cli, ["template", "csv", "-o", str(tmp_path / "t.csv")])
    assert out.exit_code == 0, out.output
    assert "工作簿中的“填表说明”;" not in out.output
    assert "perfaudit template xlsx" in out.output and "docs/reports-and-spreadsheets.md" in out.output

"""A form that prints no unit name: a 部门整体 form imports with department: null and a description (its one
project is 部门整体, the format's name for it); the auditor may give the name with --department, and the facts
file says it was given, not printed. A project form without its 项目名称 is still refused: no name is guessed."""
from __future__ import annotations

import yaml

from engine.cli import cli

from . import documents_forms as F

BUDGET = [[("项目资金(万元)", 2, 1), "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
          ["年度资金总额", "10", "10", "9", "10", "90%", "9"]]
WHOLE = F.Form(["部门整体绩效自评表", "(2021 年度)"], BUDGET)
PROJECT = F.Form(["项目支出绩效自评表", "(2021 年度)"], BUDGET)


def run(runner, tmp_path, form, *options):
    F.write_html(tmp_path / "form.html", [form])
    out = tmp_path / "out.yaml"
    result = runner.invoke(cli, ["import", str(tmp_path / "form.html"), "-o", str(out), *options])
    return result, (yaml.safe_load(out.read_text(encoding="utf-8")) if out.exists() else None), out


def test_a_whole_unit_form_without_its_name_imports_as_described(runner, tmp_path):
    result, data, _ = run(runner, tmp_path, WHOLE)
    assert result.exit_code == 0, result.output
    assert data["department"] is None and data["department_described"] == "form.html 中的单位(名称未印出)"
    assert [p["name"] for p in data["projects"]] == ["部门整体"] and data["projects"][0]["budget"]["executed"] == 9


def test_the_auditor_gives_the_name_and_the_file_says_so(runner, tmp_path):
    result, data, out = run(runner, tmp_path, WHOLE, "--department", "西部(重庆)科学城融媒体中心")
    assert result.exit_code == 0, result.output
    assert data["department"] == "西部(重庆)科学城融媒体中心"
    assert "department: 西部(重庆)科学城融媒体中心  # 审计人员用 --department 给出;原件未印出单位名称" in \
        out.read_text(encoding="utf-8")


def test_a_given_name_must_agree_with_the_printed_one(runner, tmp_path):
    named = F.Form(WHOLE.title, [["单位名称", ("某局", 1, 7)], *BUDGET])
    result, data, _ = run(runner, tmp_path, named, "--department", "另一局")
    assert result.exit_code == 2 and data is None
    assert "印出的单位名称为“某局”,与 --department 另一局 不一致" in result.output


def test_a_project_form_without_its_name_is_still_refused(runner, tmp_path):
    result, data, _ = run(runner, tmp_path, PROJECT, "--department", "某局")
    assert result.exit_code == 2 and data is None and "没有印出项目名称" in result.output


def test_the_auditor_names_a_lone_project_form_and_the_file_says_so(runner, tmp_path):
    result, data, out = run(runner, tmp_path, PROJECT, "--project-name", "林业草原改革发展资金")
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in data["projects"]] == ["林业草原改革发展资金"]
    assert "name: 林业草原改革发展资金  # 审计人员用 --project-name 给出;原件未印出项目名称" in out.read_text(encoding="utf-8")


def test_a_project_name_is_not_given_for_a_form_that_prints_one(runner, tmp_path):
    named = F.Form(PROJECT.title, [["项目名称", ("甲项目", 1, 7)], *BUDGET])
    result, data, _ = run(runner, tmp_path, named, "--project-name", "乙项目")
    assert result.exit_code == 2 and data is None and "--project-name 只用于只有一张表、且表中没有印出项目名称的文件" in result.output

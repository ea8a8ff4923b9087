"""`diff --rules` previews a future year (--as-year) and lists changed sources and rule tests (issue 16 item 9)."""
from __future__ import annotations

import json
import shutil

import pytest

from engine.cli import cli

from .conftest import FACTS_2024, RULES, ROOT


@pytest.fixture
def draft(tmp_path):
    folder = tmp_path / "rules-draft"
    shutil.copytree(RULES, folder)
    return folder


def diff(runner, draft, *extra):
    return runner.invoke(cli, ["diff", "--rules", str(RULES), "--rules", str(draft), str(FACTS_2024),
                               "--backend", "python", *extra])


def test_as_year_evaluates_the_facts_as_that_years_and_shows_the_values_in_force(runner, draft):
    parameters = draft / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    text = text.replace("      2024:\n        value: 0.70\n", "      2024:\n        value: 0.70\n"
                        "        cite:\n          - {source: dujiqu-cgj-2024, clause: 四(二)2}\n"
                        "      2026:\n        value: 0.80\n", 1)
    parameters.write_text(text, encoding="utf-8")
    now = diff(runner, draft)
    assert now.exit_code == 0, now.output
    assert "变化 0 项" in now.output  # 0.80 only from 2026: the 2024 report is not affected
    preview = diff(runner, draft, "--as-year", "2026")
    assert preview.exit_code == 0, preview.output
    assert "按 2026 年核查" in preview.output
    assert "预算执行率预警线(exec_warning_line): 2024 年起 70%  →  2026 年起 80%  *有变化" in preview.output
    assert "2026 年 杜集区城市管理局" in preview.output and "变化 3 项" in preview.output
    document = json.loads(diff(runner, draft, "--as-year", "2026", "--format", "json").output)
    assert document["as_year"] == 2026
    warning = next(p for p in document["in_force"] if p["name"] == "exec_warning_line")
    assert warning["after"] == {"from_year": 2026, "value": "0.80"}


def test_lists_changed_sources_and_tests(runner, draft):
    out = runner.invoke(cli, ["new-rule", "execution.below-half", "--family", "execution-rate", "--rules", str(draft)])
    assert out.exit_code == 0, out.output
    tests = draft / "tests" / "execution-rate.yaml"
    tests.write_text(tests.read_text(encoding="utf-8").replace("执行率 70.01% 不预警", "执行率 70.01% 不应预警"),
                     encoding="utf-8")
    out = diff(runner, draft)
    assert out.exit_code == 0, out.output
    assert "来源: 新增 execution-below-half-source" in out.output
    assert "execution.below-half.yaml: execution.below-half 应触发" in out.output
    assert "删除 execution-rate.yaml: 执行率 70.01% 不预警" in out.output
    assert "execution-rate.yaml: 执行率 70.01% 不应预警" in out.output


def test_as_year_is_refused_outside_rule_comparison_and_for_several_years(runner, draft):
    years = runner.invoke(cli, ["diff", str(FACTS_2024), str(ROOT / "facts" / "2025"), "--as-year", "2026"])
    assert years.exit_code == 2 and "--as-year" in years.output
    several = runner.invoke(cli, ["diff", "--rules", str(RULES), "--rules", str(draft), str(FACTS_2024),
                                  str(ROOT / "facts" / "2025"), "--as-year", "2026"])
    assert several.exit_code == 2 and "只含一个年度" in several.output

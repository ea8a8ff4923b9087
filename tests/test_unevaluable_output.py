"""Rules that missing data left undecided are shown apart from findings and never counted as findings;
an approvals list the facts do not record is unknown, not "nothing signed"."""
from __future__ import annotations

import json

import pytest

from engine import evaluate, load_facts
from engine.cli import cli

from .conftest import ROOT, RULES

FACTS_2025 = ROOT / "facts" / "2025"
SIGNED = "follow-up.collaboration-document-not-signed"


@pytest.fixture
def draft(runner, tmp_path):
    """The new-year draft for 2026: every amount empty, approvals commented out."""
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(FACTS_2025), "-o", str(tmp_path / "2026")])
    assert result.exit_code == 0, result.output
    return tmp_path / "2026"


def run(runner, *args):
    return runner.invoke(cli, ["evaluate", "--rules", str(RULES), *map(str, args)])


def test_commented_out_approvals_make_the_signed_rule_unevaluable_not_fire(draft, ruleset):
    reports = load_facts([FACTS_2025, draft])
    findings = [f for f in evaluate(ruleset, reports, backend="python").findings if f.rule == SIGNED and f.year == 2026]
    assert [f.outcome for f in findings] == ["cannot-evaluate"]


def test_an_explicitly_empty_approvals_list_still_means_none_signed(draft, ruleset):
    text = next(draft.glob("*.yaml")).read_text(encoding="utf-8")
    marker = "    # approvals:   # 2025 年承诺 k03"
    assert marker in text
    next(draft.glob("*.yaml")).write_text(text.replace(marker, "    approvals: []   # 2025 年承诺 k03"),
                                          encoding="utf-8")
    reports = load_facts([FACTS_2025, draft])
    findings = [f for f in evaluate(ruleset, reports, backend="python").findings if f.rule == SIGNED and f.year == 2026]
    assert [f.outcome for f in findings] == ["fired"]


def test_text_shows_unevaluable_rules_in_their_own_section_outside_the_totals(runner, draft):
    result = run(runner, draft)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[提示]" not in out and "[错误]" not in out
    assert "错误 0 项，警告 0 项，提示 0 项" in out
    head = "无法核查（缺少数据） 共 "
    assert head in out and "另有 " in out
    section = out[out.index(head):]
    assert "无法评估「自评总分超出 0—100 分」：缺少 总分" in section


def test_json_keeps_them_as_their_own_outcome_outside_the_severity_counts(runner, draft):
    result = run(runner, draft, "--format", "json")
    summary = json.loads(result.stdout)["summary"]
    assert summary["by_severity"] == {"error": 0, "warning": 0, "info": 0}
    assert summary["by_family"] == {}
    assert summary["by_outcome"]["cannot-evaluate"] == summary["findings"] > 0


@pytest.mark.parametrize("fmt, heading", [("md", "## 无法核查（缺少数据）（共 "), ("html", "无法核查（缺少数据）（共 ")])
def test_markdown_and_html_have_the_section(runner, draft, fmt, heading):
    result = run(runner, draft, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert heading in result.stdout
    assert "提示 0 项" in result.stdout or ">0</b>提示" in result.stdout


def test_fail_on_ignores_rules_that_could_not_be_evaluated(runner, draft):
    assert run(runner, draft, "--fail-on", "info").exit_code == 0

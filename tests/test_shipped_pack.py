"""The shipped rules/ and facts/ are valid and pass the auditors' own rule tests (rules/tests/).

The only developer test that reads the shipped files: every other test uses the pinned copy under
tests/fixtures/ (conftest.RULES, FACTS), so an auditor's valid edit to rules/ or facts/ can fail
here only through `perfaudit check` or `perfaudit test`, exactly as it would for the auditor.
"""
from __future__ import annotations

from engine.cli import cli

from .conftest import ROOT

SHIPPED_RULES = ROOT / "rules"
SHIPPED_FACTS = ROOT / "facts"


def test_shipped_rules_and_facts_pass_check(runner):
    result = runner.invoke(cli, ["check", "--rules", str(SHIPPED_RULES), str(SHIPPED_FACTS)])
    assert result.exit_code == 0, result.output


def test_shipped_rule_tests_pass(runner):
    result = runner.invoke(cli, ["test", "--rules", str(SHIPPED_RULES)])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output

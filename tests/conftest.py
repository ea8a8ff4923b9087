"""Shared fixtures: paths to the developer tests' rules and facts, and a CLI runner.

RULES and FACTS are a pinned copy (tests/fixtures/) of the shipped rules/ and facts/ as they were when
the tests were written: an auditor's valid edit to rules/ or facts/ can only fail the auditors' own
rule tests, which test_shipped_pack.py runs (`perfaudit check`, `perfaudit test`) with the shipped files."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.backends import durable_available

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RULES = FIXTURES / "rules"
FACTS = FIXTURES / "facts"
FACTS_2024 = FACTS / "2024"
FACTS_2025 = FACTS / "2025"
SEED = ROOT.parent / "shared" / "seed" / "000_519b10c662a560ab.txt"

HAVE_DURABLE = durable_available()[0]
needs_durable = pytest.mark.skipif(not HAVE_DURABLE,
                                   reason=f"durable_rules cannot be imported here: {durable_available()[1]}")
BACKENDS = ["python"] + (["durable"] if HAVE_DURABLE else [])  # what "agree on every backend" tests run


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def ruleset():
    from engine import load_rules

    return load_rules(RULES)


@pytest.fixture(scope="session")
def seed_reports():
    from engine import load_facts

    return load_facts([FACTS_2024])

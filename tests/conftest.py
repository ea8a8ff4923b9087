"""Shared fixtures: paths to the developer tests' rules and facts, and a CLI runner.

RULES and FACTS are a pinned copy (tests/fixtures/) of the shipped rules/ and facts/ as they were when
the tests were written: an auditor's valid edit to rules/ or facts/ can only fail the auditors' own
rule tests, which test_shipped_pack.py runs (`perfaudit check`, `perfaudit test`) with the shipped files."""
from __future__ import annotations

import gc
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


def pytest_collection_finish(session):
    _freeze_survivors()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # after the module's fixtures are finalised
    if nextitem is None or nextitem.module is not item.module:
        _freeze_survivors()


def _freeze_survivors():
    """Keep what has outlived a test module (imported modules, hypothesis' state, the engine's bounded caches) out
    of later garbage collections. A worker's heap only grows over the suite, and every full collection walked all
    of it: 18 s of the suite's ~200 s of CPU went to the collector, 6 s with this (docs/performance.md). Frozen
    objects are still freed when their last reference goes; only cycles among them wait for the process's end."""
    gc.collect()
    gc.freeze()


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


@pytest.fixture(scope="session")
def rule_test_run():
    """(program, cases, results) of the tests' rule tests (tests/fixtures/rules/tests) run on the python backend: one
    run (about 0.5 s) for the tests that read its results (test_ruletests.py, test_ruletest_cli.py)."""
    from engine import compile, load_rules
    from engine.analysis.ruletest import load_tests, run_tests

    program = compile(load_rules(RULES))
    cases = load_tests([RULES / "tests"], program)
    return program, cases, run_tests(program, cases, "python")

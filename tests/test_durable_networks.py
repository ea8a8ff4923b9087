"""durable_rules rulesets are built once per rule-set content and process, and freed (durable_networks).

durable_rules' C engine keeps every ruleset until it is deleted. Every DurableBackend used to build
its own (about 18 MB and 60 ms for the shipped rules) and none was ever deleted: `perfaudit test`
grew by that much per case, the test suite to 13 GB.
"""
from __future__ import annotations

import pytest

from engine import compile, load_rules
from engine.analysis.ruletest import load_tests, run_tests
from engine.backends import EngineError

from .conftest import RULES, needs_durable
from .test_durable_failures import probe_program, run_child

pytestmark = needs_durable


def test_backends_of_the_same_rules_share_their_rulesets(ruleset):
    from engine.backends.durable import DurableBackend

    first = DurableBackend(compile(ruleset))
    first.close()
    second = DurableBackend(compile(ruleset))  # another program of the same content
    try:
        assert second._ruleset is first._ruleset and second.findings_rulesets == first.findings_rulesets
    finally:
        second.close()


def test_the_rule_tests_build_the_durable_rulesets_once(monkeypatch):
    from engine.backends import durable_networks

    program = compile(load_rules(RULES))
    cases = load_tests([RULES / "tests"], program)
    built = []
    real = durable_networks._build
    monkeypatch.setattr(durable_networks, "_networks", {})  # so that the first case builds them here
    monkeypatch.setattr(durable_networks, "_build", lambda *args: built.append(1) or real(*args))
    results = run_tests(program, cases, "durable")
    assert len(cases) > 20 and all(result.passed for result in results)
    assert len(built) == 1


def test_memory_stays_flat_over_many_evaluations():
    done = run_child(f"""
        from engine import compile, load_rules
        from engine.backends.durable import DurableBackend
        rss = lambda: int(open("/proc/self/statm").read().split()[1]) * 4096
        DurableBackend(compile(load_rules({str(RULES)!r}))).close()
        before = rss()
        for _ in range(10):
            DurableBackend(compile(load_rules({str(RULES)!r}))).close()
        print(rss() - before)
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) < 40 * 2**20  # each backend kept about 18 MB before


def test_rulesets_nobody_uses_are_deleted_beyond_a_few(ruleset):
    from engine.backends import durable_networks
    from engine.backends.durable import DurableBackend

    # rule sets of different shapes (the constants of a condition are in the facts, not in the rulesets)
    backends = [DurableBackend(probe_program(ruleset, *["project.budget.executed > 1000"] * (i + 2)))
                for i in range(durable_networks.MAX_IDLE + 3)]
    networks = [backend._network for backend in backends]
    assert not any(network.deleted for network in networks)  # in use: kept whatever their number
    for backend in backends:
        backend.close()
    assert [network.deleted for network in networks] == [True] * 3 + [False] * durable_networks.MAX_IDLE
    assert sum(not network.users for network in durable_networks._networks.values()) <= durable_networks.MAX_IDLE


def test_a_backend_dropped_without_close_releases_its_rulesets(ruleset):
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(probe_program(ruleset, "project.budget.executed > 2000"))
    network = backend._network
    users = network.users
    del backend
    assert network.users == users - 1


def test_rulesets_durable_failed_on_are_not_handed_out_again(ruleset):
    from engine.backends.durable import DurableBackend

    program = probe_program(ruleset, "project.budget.executed > 3000")
    backend = DurableBackend(program)
    with pytest.raises(EngineError, match="error code: 302"):
        backend._assert({"g": "project#0", **{f"x{i}": i for i in range(300)}})
    after = DurableBackend(program)
    try:
        assert after._ruleset is not backend._ruleset
        failed = backend._network
        assert not failed.deleted  # still this backend's
        backend.close()
        assert failed.deleted
    finally:
        after.close()


def test_rulesets_built_before_a_failure_are_deleted(ruleset, monkeypatch):
    import durable.engine as durable_engine

    from engine.backends import durable

    real = durable_engine.durable_rules_engine
    created, deleted = [], []

    class Counting:  # durable_rules' native module, counting what is created and deleted
        def __getattr__(self, name):
            return getattr(real, name)

        def create_ruleset(self, *args):
            if created:  # the second ruleset (the findings rules of the probe rule's group) cannot be built
                raise RuntimeError("Could not create ruleset, error code: 113")
            created.append(real.create_ruleset(*args))
            return created[-1]

        def delete_ruleset(self, handle):
            deleted.append(handle)
            real.delete_ruleset(handle)

    monkeypatch.setattr(durable.networks, "_networks", {})  # nothing built yet
    monkeypatch.setattr(durable_engine, "durable_rules_engine", Counting())
    with pytest.raises(EngineError, match="单条规则的条件过于复杂"):
        durable.DurableBackend(probe_program(ruleset, "project.budget.executed > 4000"))
    assert len(created) == 1 and deleted == created


def test_a_closed_backend_refuses_to_decide(ruleset):
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(probe_program(ruleset, "project.budget.executed > 5000"))
    backend.close()
    backend.close()  # twice is harmless
    with pytest.raises(EngineError, match="after close"):
        backend.decide_batches([])
    with pytest.raises(EngineError, match="after close"):
        backend.outcomes(None, [])

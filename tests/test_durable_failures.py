"""Every durable_rules failure mode that reaches our adapter becomes a named error or is handled.

durable_rules 2.0.28 is unmaintained C with known crashes (shared/research/anchors.md section 6 and
engines-bench.md); engine/backends/durable.py guards against them. These tests provoke each trap
and check the guard: swallowed action exceptions, not-handled and observed facts, error codes,
numbers a float cannot hold, the expression limit per rule, the 1,024-session limit and the
warm-up. Whatever could kill the interpreter runs in a child process.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

from engine import compile, evaluate, load_facts
from engine.backends import UNKNOWN
from engine.construct.compile import MAX_RULE_COST, rule_cost
from engine.core.model import RuleSet
from engine.render import render

from .conftest import ROOT, RULES, needs_durable
from .factsfile import D, indicator, project, write_facts
from .outcomes import rule_outcomes

pytestmark = needs_durable


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


@pytest.fixture
def reports(tmp_path):
    write_facts(tmp_path, [project("甲", full_year=D("100.00"), executed=D("65.00"), total=D("90"), grade="良好",
                                   indicators=[indicator(target="≤200万元")]),
                           project("乙", full_year=D("10.00"), executed=D("10.00"), total=D("95"), grade="优秀")])
    return load_facts([tmp_path])


def probe_program(ruleset, *conditions, when=None):
    """The shipped parameters and sources with one probe rule per condition."""
    template = next(r for r in ruleset.rules if r.subject == "project")
    rules = tuple(dataclasses.replace(template, id=f"probe.r{i}", when=when, condition=text, evidence=(),
                                      message="{项目}", effective_from=None, effective_to=None)
                  for i, text in enumerate(conditions))
    return compile(RuleSet(rules, ruleset.parameters, ruleset.sources, "probe"))


# freed memory filled with a pattern: a use of it after durable_rules' traps crashes at once, not only sometimes
PERTURB = {"MALLOC_PERTURB_": "165"}


def run_child(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=None if env is None else {**os.environ, **env})


# ---- exceptions inside actions ------------------------------------------------------------

def test_an_action_that_raises_is_an_engine_error_not_a_silent_gap(program, reports, monkeypatch):
    from engine.backends import durable

    def raising_action(self, tag):
        def action(c):
            if tag[0] != "warmup":
                raise ValueError("动作内部出错")
        return action

    monkeypatch.setattr(durable.DurableBackend, "_action", raising_action)
    # durable_rules stores the exception in the session state and returns normally; without the check
    # every rule of every subject came out "cannot evaluate"
    with pytest.raises(durable.EngineError, match="动作抛出了异常.*动作内部出错"):
        evaluate(program, reports, backend="durable")


def test_a_failure_recorded_by_our_own_action_is_an_engine_error(program, reports, monkeypatch):
    from engine.backends import durable

    original = durable.DurableBackend._action

    def recording_action(self, tag):
        if tag[0] == "warmup":
            return original(self, tag)
        failures = self.failures

        def action(c):
            failures.append(RuntimeError("记录到的失败"))
        return action

    monkeypatch.setattr(durable.DurableBackend, "_action", recording_action)
    with pytest.raises(durable.EngineError, match="记录到的失败"):
        evaluate(program, reports, backend="durable")


# ---- not handled, observed, error codes ------------------------------------------------------------

def test_a_fact_that_matches_no_rule_is_handled_as_cannot_evaluate(ruleset, tmp_path, monkeypatch):
    from engine.backends import durable
    from engine.backends.python import PythonBackend
    from engine.run.evaluate import params_for
    from engine.run.subjects import subjects_of

    from .row_reference import leaf_values

    # without a budget neither comparison has its operands, so no durable rule can match the fact
    program = probe_program(ruleset, "project.budget.executed > 0",
                            "project.budget.executed < project.budget.full_year", when="project.budget.full_year > 0")
    write_facts(tmp_path, [project("空")])
    [report] = load_facts([tmp_path])
    subject = next(s for s in subjects_of(report) if s.kind == "project")
    scope = program.ruleset.scope_of(report)
    params = params_for(program.ruleset, scope)
    items = [(c, leaf_values(c, subject, params)) for c in program.for_subject("project", scope)]
    backend = durable.DurableBackend(program)
    results = []
    native = backend._native

    class Recording:  # durable_rules' native module, recording the result code of every fact asserted
        def __getattr__(self, name):
            return getattr(native, name)

        def assert_fact(self, handle, text):
            result = native.assert_fact(handle, text)
            results.append(result[0])
            return result

    monkeypatch.setattr(backend, "_native", Recording())
    outcomes = backend.outcomes(subject, items)
    assert 1 in results  # durable_rules answered "not handled" (no rule matched)
    assert outcomes == PythonBackend(program).outcomes(subject, items)
    assert set(outcomes.values()) == {UNKNOWN}


def test_an_observed_duplicate_fact_is_an_engine_error(program, monkeypatch):
    from engine.backends import durable

    backend = durable.DurableBackend(program)
    # what would happen if a session were ever reused without being deleted
    monkeypatch.setattr(backend, "_sid", iter(["same", "same"]))
    monkeypatch.setattr(backend, "_delete_state", lambda *args: None)
    backend._assert({"g": "__warmup__"})
    with pytest.raises(durable.EngineError, match="rejected a fact: MessageObservedException"):
        backend._assert({"g": "__warmup__"})


def test_too_many_properties_is_an_engine_error(program):
    from engine.backends import durable

    backend = durable.DurableBackend(program)
    fact = {"g": "project#0", **{f"x{i}": i for i in range(300)}}  # durable_rules error 302 above 255
    with pytest.raises(durable.EngineError, match="rejected a fact: .*error code: 302"):
        backend._assert(fact)


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_float_durable_cannot_parse_is_an_engine_error(program, value):
    from engine.backends import durable

    backend = durable.DurableBackend(program)
    with pytest.raises(durable.EngineError, match="rejected a fact: .*error code: 202"):
        backend._assert({"g": "project#0", "r0_0l": value, "r0_0r": 1.0})


def test_a_ruleset_durable_cannot_build_is_an_engine_error(ruleset, monkeypatch):
    from engine.backends import durable

    program = probe_program(ruleset, " or ".join(f"project.budget.executed > {i}" for i in range(14)))
    with pytest.raises(durable.EngineError, match="单条规则的条件过于复杂.*error code: 113"):
        durable.DurableBackend(program)


# ---- numbers beyond float range ----------------------------------------------------------------

def test_products_beyond_float_range_are_decided_exactly_on_both_backends(ruleset, tmp_path):
    # 10^9 to the 40th power is 10^360: far beyond a float, exact as a Decimal
    power = " * ".join(["project.budget.full_year"] * 40)
    program = probe_program(ruleset, f"{power} > 0", f"{power} < {power} * 2", f"{power} == {power} * 2")
    write_facts(tmp_path, [project("巨", full_year=D("1000000000"), executed=D("1"))])
    reports = load_facts([tmp_path])
    outcomes = rule_outcomes(program, reports, "durable")
    assert outcomes == rule_outcomes(program, reports, "python")
    assert sorted(outcomes.values()) == ["fired", "fired", "passed"]
    assert render("json", evaluate(program, reports, backend="durable")) == render(
        "json", evaluate(program, reports, backend="python"))


# ---- the expression limit of one rule, on both sides -------------------------------------------

def comparisons(n, op="or"):
    return f" {op} ".join(f"project.budget.executed > {i}" for i in range(n))


@pytest.mark.parametrize("condition, when", [
    (comparisons(13), None),
    (comparisons(14), None),
    (comparisons(12, "and"), "project.budget.full_year > 0"),
    (comparisons(13, "and"), "project.budget.full_year > 0"),
    ("(" * 6 + "project.budget.executed > 0" + " or project.budget.full_year > 1) and project.budget.initial > 2" * 3
     + " or project.budget.full_year > 1)" * 3, None),
    (" or ".join(["present(project.budget.explanation)"] * 30), None),
])
def test_rule_cost_predicts_exactly_what_durable_accepts(ruleset, condition, when):
    from engine.backends import durable

    program = probe_program(ruleset, condition, when=when)
    cost = rule_cost(program.rules[0])
    try:
        durable.DurableBackend(program)
        built = True
    except durable.EngineError as error:
        assert "113" in str(error)
        built = False
    assert built == (cost <= MAX_RULE_COST), cost


# ---- sessions and warm-up (in a child process: these traps crash the interpreter) ----------------

def test_more_than_1024_subjects_in_one_run(tmp_path):
    facts = tmp_path / "facts"
    write_facts(facts, [project(f"项目{i:04d}", full_year=D("100.00"), executed=Decimal(i % 150), total=D("90"),
                                grade="良好") for i in range(1100)])
    done = run_child(f"""
        from engine import load_facts, load_rules, evaluate
        from engine.render import render
        reports = load_facts([{str(facts)!r}])
        rules = load_rules({str(RULES)!r})
        durable = render("json", evaluate(rules, reports, backend="durable"))
        python = render("json", evaluate(rules, reports, backend="python"))
        assert durable == python
        print(durable.count('"rule": "execution.below-warning-line"'))
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) == sum(1 for i in range(1100) if i % 150 < 70)  # executed below 70.00 of 100.00


def test_without_deleting_sessions_the_1025th_fact_is_a_named_error_not_a_crash():
    # one rule: a live session holds state for every rule of its ruleset (1.2 GB for the shipped ones
    # at 1,024 sessions), and the limit is a number of sessions
    done = run_child(f"""
        import dataclasses
        from engine import compile, load_rules
        from engine.backends import durable
        rules = load_rules({str(RULES)!r})
        backend = durable.DurableBackend(compile(dataclasses.replace(rules, rules=rules.rules[:1])))
        backend._delete_state = lambda *args: None
        try:
            for i in range(1100):
                backend._assert({{"g": "__warmup__", "n": i}})
        except durable.EngineError as error:
            print(i, error)
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    # 1,024 live sessions is durable_rules' limit (MAX_STATE_INDEX_LENGTH); the next fact gets a bare MemoryError
    assert done.stdout.startswith("1024 durable_rules rejected a fact: MemoryError"), done.stdout


WARM_UP_PROBE = """
    from engine import compile, load_rules
    from engine.backends import durable
    program = compile(load_rules({rules!r}))
    if {skip_warm_up}:
        real = durable.DurableBackend._assert
        durable.DurableBackend._assert = lambda self, fact: None if fact.get("g") == "__warmup__" else real(self, fact)
    for _ in range(2):  # without the warm-up the first round crashes (5 of 5 runs); the second shows it stays warm
        durable.networks._networks.clear()  # new rulesets every time: the trap is a new ruleset's first fact
        backend = durable.DurableBackend(program)
        backend._assert({{"g": "matches-nothing"}})
    print("survived")
"""


def test_a_first_fact_that_matches_nothing_does_not_crash_after_the_warm_up():
    done = run_child(WARM_UP_PROBE.format(skip_warm_up=False, rules=str(RULES)), PERTURB)
    assert done.returncode == 0 and done.stdout.strip() == "survived", done.stderr[-3000:]


def test_the_warm_up_is_what_prevents_the_crash():
    # the trap itself, so that the test above can fail: durable_rules 2.0.28 dies on delete_state
    # when the first fact of a new ruleset matched nothing
    done = run_child(WARM_UP_PROBE.format(skip_warm_up=True, rules=str(RULES)), PERTURB)
    assert done.returncode < 0, (done.returncode, done.stdout, done.stderr[-2000:])


FINDINGS_WARM_UP_PROBE = """
    from engine import compile, load_rules
    from engine.backends import durable
    program = compile(load_rules({rules!r}))
    if {skip_warm_up}:
        real = durable.DurableBackend._assert_text
        def skipping(self, sid, text, ruleset=None):
            if ruleset is not None and "__warmup__" in text:
                return None
            return real(self, sid, text, ruleset)
        durable.DurableBackend._assert_text = skipping
    # without the warm-up a round crashes: the damage is to the heap, and since the rulesets are made with the
    # native calls (no Host) it may show only later (one CI run survived five rounds): eight rounds, and the
    # test fills freed memory (MALLOC_PERTURB_), so that a use of it crashes at once
    for _ in range(8):
        durable.networks._networks.clear()  # new rulesets every time: the trap is a new ruleset's first fact
        backend = durable.DurableBackend(program)
        for ruleset in backend.findings_rulesets.values():
            backend._assert_text("x", '{{"sid":"x","g":"matches-nothing"}}', ruleset)
    print("survived")
"""


def test_the_findings_ruleset_is_warmed_up_too():
    # decide_batches asserts into rulesets of its own (durable_findings, one per group); they have the same trap
    done = run_child(FINDINGS_WARM_UP_PROBE.format(skip_warm_up=False, rules=str(RULES)), PERTURB)
    assert done.returncode == 0 and done.stdout.strip() == "survived", done.stderr[-3000:]
    done = run_child(FINDINGS_WARM_UP_PROBE.format(skip_warm_up=True, rules=str(RULES)), PERTURB)
    assert done.returncode < 0, (done.returncode, done.stdout, done.stderr[-2000:])


def test_facts_of_many_subjects_with_findings_agree(ruleset, tmp_path):
    """Generated reports: several subjects share each durable fact, and findings of every kind occur."""
    from bench.generate import generate

    for relative, text in generate(45, seed=4):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    reports = load_facts([tmp_path])
    program = compile(ruleset)
    from engine.backends.durable import DurableBackend

    assert max(g.slots for groups in DurableBackend(program).finding_groups.values() for g in groups) > 1
    durable = evaluate(program, reports, backend="durable")
    assert durable.findings == evaluate(program, reports, backend="python").findings
    assert {f.subject_kind for f in durable.findings} >= {"project", "indicator", "claim"}

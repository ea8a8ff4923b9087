"""The durable adapter's findings-only rules decide exactly what the Python backend decides.

`durable_kleene` turns a rule's three-valued truth into sums of products over leaf atoms; the
findings rulesets (durable_findings, one per group of rules) run one durable rule per packed group
of terms, several subjects to a fact. Checked here: the sums against `backends.python.decide` for every true / false /
unknown assignment of the leaves of every shipped rule and of random trees, and
`DurableBackend.decide_batches` against `PythonBackend.decide_batches` on the same assignments
as columns (with operands known on one side only, full facts, and the three-outcome fallback).
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import compile
from engine.backends import FIRED, UNKNOWN, outcome_of
from engine.backends.batch import RuleBatch
from engine.backends.durable_kleene import finding_terms
from engine.backends.python import PythonBackend, decide
from engine.construct.compile import And, CompiledRule, Leaf, Not, Or, Program, rule_cost, MAX_RULE_COST
from engine.expr.ast import Path

from .conftest import needs_durable

PAIRS = [(Decimal("1"), Decimal("1")), (Decimal("1"), Decimal("2")), (Decimal("2"), Decimal("1")),
         ("甲", "甲"), ("甲", 'a"b')]


def holds(term: tuple, states: tuple) -> bool:
    """A term ((leaf index, state), ...) holds under the leaves' states (by leaf index)."""
    return all(states[i] == s for i, s in term)


def leaf_value(leaf, state: str, variant: int = 0):
    """Operands that make `leaf` true (T), false (F) or unknown (U)."""
    if leaf.op is None:
        return ({"T": True, "F": False, "U": None}[state],)
    if state == "U":
        return [(None, None), (Decimal("1"), None), (None, "甲")][variant % 3]
    candidates = _pairs(leaf.op, state == "T")
    return candidates[variant % len(candidates)]


@functools.cache
def _pairs(op: str, truth: bool) -> list:
    """The PAIRS that compare to `truth` under `op` (computed once: check_terms asks for every leaf of 3^n states)."""
    from engine.expr.semantics import compare

    usable = [p for p in PAIRS if not (isinstance(p[0], str) and op not in ("==", "!="))]
    return [p for p in usable if compare(op, *p) == truth]


def reference(compiled, values) -> str:
    when = decide(compiled.when, values) if compiled.when is not None else True
    return outcome_of(when, decide(compiled.condition, values))


def assignments(compiled):
    return itertools.product("TFU", repeat=len(compiled.leaves))


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


def check_terms(compiled):
    terms = finding_terms(compiled)
    if terms is None:
        return False
    fired, unknown = ([tuple(t.items()) for t in kind] for kind in terms)
    for states in assignments(compiled):
        expected = reference(compiled, [leaf_value(leaf, states[leaf.index]) for leaf in compiled.leaves])
        assert any(holds(t, states) for t in fired) == (expected == FIRED), (compiled.rule.id, states)
        assert any(holds(t, states) for t in unknown) == (expected == UNKNOWN), (compiled.rule.id, states)
    return True


def test_kleene_terms_equal_decide_on_every_shipped_rule(program):
    assert all(check_terms(compiled) for compiled in program.rules)


# ---- random trees --------------------------------------------------------------------------

@st.composite
def trees(draw, size: int):
    """(tree, leaves) with `size` leaves, comparisons and boolean leaves, and/or/not."""
    ops = draw(st.lists(st.sampled_from([None, "==", "!=", "<", "<=", ">", ">="]), min_size=size, max_size=size))
    leaves = [Leaf(i, None, op, None, None) for i, op in enumerate(ops)]

    def build(items):
        if len(items) == 1:
            node = items[0]
        else:
            cut = draw(st.integers(1, len(items) - 1))
            parts = [build(items[:cut]), build(items[cut:])]
            node = (And if draw(st.booleans()) else Or)(tuple(parts))
        return Not(node) if draw(st.integers(0, 4)) == 0 else node

    return build(leaves), leaves


@st.composite
def random_rules(draw):
    when_size = draw(st.integers(0, 3))
    cond_size = draw(st.integers(1, 5))
    condition, cond_leaves = draw(trees(cond_size))
    when = None
    leaves = cond_leaves
    if when_size:
        when, when_leaves = draw(trees(when_size))
        # leaves are numbered across when and condition, as compile does
        shift = {id(leaf): Leaf(leaf.index + len(cond_leaves), None, leaf.op, None, None) for leaf in when_leaves}
        when = _renumber(when, shift)
        leaves = cond_leaves + [shift[id(leaf)] for leaf in when_leaves]
    return when, condition, tuple(leaves)


def _renumber(tree, mapping):
    if isinstance(tree, Leaf):
        return mapping[id(tree)]
    if isinstance(tree, Not):
        return Not(_renumber(tree.item, mapping))
    return type(tree)(tuple(_renumber(i, mapping) for i in tree.items))


def probe(ruleset, when, condition, leaves, number: int = 0) -> CompiledRule:
    template = next(r for r in ruleset.rules if r.subject == "project")
    rule = dataclasses.replace(template, id=f"probe.k{number}", effective_from=None, effective_to=None)
    return CompiledRule(rule, when, condition, leaves, (), ())


@settings(max_examples=100, deadline=None)
@given(shape=random_rules())
def test_kleene_terms_equal_decide_on_random_trees(ruleset, shape):
    compiled = probe(ruleset, *shape)
    check_terms(compiled)  # a rule with too many terms is decided the three-outcome way: tested below


# ---- durable decide_batches against the Python backend ------------------------------------

def shared_value(leaf, state: str, variant: int = 0):
    """leaf_value, but a right side durable_findings.shared_right is one value in every row where it is known, as
    a decide's parameters and literals are: Decimal 1, or "甲" for an == or != of odd index."""
    from engine.backends.durable_findings import shared_right
    from engine.expr.semantics import compare

    if not shared_right(leaf):
        return leaf_value(leaf, state, variant)
    text = leaf.op in ("==", "!=") and leaf.index % 2
    right, lefts = ("甲", ["甲", 'a"b']) if text else (Decimal("1"), [Decimal("0"), Decimal("1"), Decimal("2")])
    if state == "U":
        return [(None, None), (None, right), (lefts[0], None)][variant % 3]
    candidates = [left for left in lefts if compare(leaf.op, left, right) == (state == "T")]
    return candidates[variant % len(candidates)], right


def exhaustive_batch(compiled, subjects, variant: int = 0, value=leaf_value) -> RuleBatch:
    """One subject per true/false/unknown assignment of the rule's leaves (subjects: one shared list)."""
    combos = list(assignments(compiled))
    rows = [[value(leaf, combo[leaf.index], variant + n) for leaf in compiled.leaves]
            for n, combo in enumerate(combos)]
    rows += [rows[n % len(rows)] for n in range(len(subjects) - len(rows))]
    columns = [tuple(list(side) for side in zip(*(row[leaf.index] for row in rows))) for leaf in compiled.leaves]
    return RuleBatch(compiled, subjects, columns)


def kind_batches(rules, variant: int = 0, value=leaf_value) -> list:
    """exhaustive_batch for every rule, the rules of one kind sharing one subjects list of the longest length."""
    by_kind: dict = {}
    for compiled in rules:
        subjects = by_kind.setdefault(compiled.rule.subject, [])
        subjects.extend([object()] * (3 ** len(compiled.leaves) - len(subjects)))
    return [exhaustive_batch(c, by_kind[c.rule.subject], variant + n, value) for n, c in enumerate(rules)]


def known_batches(rules, value, count: int) -> list:
    """`count` subjects per kind with every leaf known, true and false by turns: value(leaf, "T" or "F", n)."""
    by_kind: dict = {}
    batches = []
    for compiled in rules:
        subjects = by_kind.setdefault(compiled.rule.subject, [object()] * count)
        rows = [[value(leaf, "TF"[(n + leaf.index) % 2], n) for leaf in compiled.leaves] for n in range(count)]
        columns = [tuple(list(side) for side in zip(*(row[leaf.index] for row in rows))) for leaf in compiled.leaves]
        batches.append(RuleBatch(compiled, subjects, columns))
    return batches


def decisions(backend, batches):
    return sorted((d.batch, d.row, d.outcome) for d in backend.decide_batches(batches))


def assert_same_decisions(program, batches):
    from engine.backends.durable import DurableBackend

    python = decisions(PythonBackend(program), batches)
    assert decisions(DurableBackend(program), batches) == python
    return python


@needs_durable
def test_every_shipped_rule_on_every_assignment(program):
    # every rule of a kind shares one subjects list, as operands.rule_batches gives them
    found = assert_same_decisions(program, kind_batches(program.rules, variant=1))
    assert {o for _, _, o in found} == {FIRED, UNKNOWN}


@needs_durable
def test_shared_right_sides_are_written_once_per_fact(program, monkeypatch):
    """A right side of literals and parameters is one member per fact that every slot's rules compare with
    (exhaustive_batch's varying right sides above decide each subject alone: `_one_by_one`)."""
    from engine.backends.durable import DurableBackend
    from engine.backends.durable_findings import shared_right

    assert sum(shared_right(leaf) for compiled in program.rules for leaf in compiled.leaves) > 20
    batches = kind_batches(program.rules, variant=1, value=shared_value)
    backend = DurableBackend(program)
    monkeypatch.setattr(backend, "_one_by_one", None)  # no subject alone: every fact holds its group's slots
    found = decisions(backend, batches)
    assert found == decisions(PythonBackend(program), batches)
    assert {o for _, _, o in found} == {FIRED, UNKNOWN}
    # every operand known: the columns without a row left out
    batches = known_batches(program.rules, shared_value, 50)
    found = decisions(backend, batches)
    assert found and found == decisions(PythonBackend(program), batches)


@needs_durable
def test_subjects_whose_when_is_false_for_every_rule_of_a_group_make_no_fact(program, monkeypatch):
    """With the batches' `when` (as the operand stage gives it), a subject not applicable to any rule of its group
    is not asserted; the decisions are the Python backend's."""
    from engine.backends.durable import DurableBackend

    batches = []
    for batch in kind_batches(program.rules, variant=1):
        compiled, columns = batch.compiled, batch.columns
        when = None
        if compiled.when is not None:
            rows = zip(*(zip(*column) for column in columns))  # per subject, each leaf's values
            when = [decide(compiled.when, list(values)) for values in rows]
        batches.append(RuleBatch(compiled, batch.subjects, columns, when))
    backend = DurableBackend(program)
    asserted = []
    real = backend._assert_text
    monkeypatch.setattr(backend, "_assert_text", lambda sid, text, ruleset=None: (
        asserted.append(text), real(sid, text, ruleset))[1])
    assert decisions(backend, batches) == decisions(PythonBackend(program), batches)
    whole = decisions(DurableBackend(program), [RuleBatch(b.compiled, b.subjects, b.columns) for b in batches])
    assert whole == decisions(PythonBackend(program), batches)
    every = []
    monkeypatch.setattr(backend, "_assert_text", lambda sid, text, ruleset=None: (
        every.append(text), real(sid, text, ruleset))[1])
    backend.decide_batches([RuleBatch(b.compiled, b.subjects, b.columns) for b in batches])
    assert len(asserted) < len(every)


@needs_durable
def test_full_facts_with_every_operand_known(program):
    """Every leaf known for every subject: each fact carries its group's most properties."""
    from engine.backends.durable import DurableBackend
    from engine.backends.durable_findings import FACT_PROPERTIES

    backend = DurableBackend(program)
    batches = known_batches(program.rules, leaf_value, 100)
    assert decisions(backend, batches) == decisions(PythonBackend(program), batches)
    assert all(g.slots * g.properties() + g.shared() + 1 <= FACT_PROPERTIES
               for groups in backend.finding_groups.values() for g in groups)
    assert max(g.slots for groups in backend.finding_groups.values() for g in groups) > 1


@needs_durable
@settings(max_examples=20, deadline=None)
@given(shapes=st.lists(random_rules(), min_size=1, max_size=4))
def test_random_rules_decide_alike(ruleset, shapes):
    rules = tuple(probe(ruleset, *shape, number=n) for n, shape in enumerate(shapes))
    rules = tuple(r for r in rules if rule_cost(r) <= MAX_RULE_COST)
    if not rules:
        return
    program = Program(ruleset, rules)
    assert_same_decisions(program, kind_batches(rules))


@needs_durable
def test_rules_with_too_many_terms_are_decided_the_three_outcome_way(program):
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(program, max_terms=1)
    groups = [g for kind in backend.finding_groups.values() for g in kind]
    assert any(g.three_outcome for g in groups) and any(not g.three_outcome for g in groups)
    batches = kind_batches(program.rules, variant=2)
    assert decisions(backend, batches) == decisions(PythonBackend(program), batches)
    # the limit is the backend's alone: the same program's next backend has the default layout
    again = DurableBackend(program)
    assert sum(g.three_outcome for k in again.finding_groups.values() for g in k) < sum(
        g.three_outcome for g in groups)


@needs_durable
def test_a_rule_not_in_force_makes_no_decision(program):
    """Only the rules given as batches are decided, though the findings rules of the others match
    their subjects' missing keys."""
    batches = kind_batches([c for c in program.rules if c.rule.subject == "project"])[::2]
    found = assert_same_decisions(program, batches)
    assert found and {b for b, _, _ in found} == set(range(len(batches)))


@needs_durable
def test_the_facts_of_a_decide_share_one_session_which_is_gone_after(program):
    """decide_batches asserts every fact into one session per ruleset, retracts the facts and deletes the
    session before it returns: the rulesets are shared with other backends and hold no session after."""
    from engine.backends.durable import SESSION, DurableBackend

    backend = DurableBackend(program)
    native = backend._native
    sessions, retracted = set(), []

    class Recording:  # durable_rules' native module, recording the sessions asserted into and the retractions
        def __getattr__(self, name):
            return getattr(native, name)

        def assert_fact(self, handle, text):
            sessions.add(text[len('{"sid":"'):text.index('"', len('{"sid":"'))])
            return native.assert_fact(handle, text)

        def retract_fact(self, handle, text):
            retracted.append(text)
            return native.retract_fact(handle, text)

    backend._native = Recording()
    batches = kind_batches(program.rules)
    assert decisions(backend, batches) == decisions(PythonBackend(program), batches)
    assert sessions == {SESSION} and retracted
    for handle in backend.findings_rulesets.values():
        with pytest.raises(Exception, match="309"):  # durable_rules' "session not found"
            native.delete_state(handle, SESSION)


@needs_durable
def test_findings_are_far_fewer_actions_than_outcomes(program):
    """The point of the findings ruleset: actions run for findings only."""
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(program)
    calls = []
    original = backend._run_actions

    def counting(state_offset, ruleset):
        before = len(backend.fired)
        original(state_offset, ruleset)
        calls.append(len(backend.fired) - before)

    backend._run_actions = counting
    # the claims' rules (3,402 subject rows) rather than every kind's (48,762): the same findings rulesets' code
    batches = kind_batches([c for c in program.rules if c.rule.subject == "claim"])
    found = decisions(backend, batches)
    pairs = sum(len(b.subjects) for b in batches)
    assert len(found) <= sum(calls) < pairs


@needs_durable
def test_an_alpha_stack_overflow_is_decided_one_subject_at_a_time(program, monkeypatch):
    """A fact of several subjects that durable_rules refuses with error 303 (its alpha stack of 64
    nodes overflowed; the slot sizing is meant to prevent it) is decided one subject per fact."""
    from engine.backends import EngineError
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(program)
    real = backend._assert_text
    overflowed = []

    def assert_text(sid, text, ruleset=None):
        if ruleset in backend.findings_rulesets.values() and '"1":1' in text and not overflowed:  # slot 1's anchor
            overflowed.append(sid)
            raise EngineError("durable_rules rejected a fact: error: Could not assert fact, error code: 303")
        return real(sid, text, ruleset)

    monkeypatch.setattr(backend, "_assert_text", assert_text)
    batches = kind_batches(program.rules, variant=3)
    assert decisions(backend, batches) == decisions(PythonBackend(program), batches)
    assert overflowed


@needs_durable
def test_an_overflow_of_one_subject_is_an_engine_error(program, monkeypatch):
    from engine.backends import EngineError
    from engine.backends.durable import DurableBackend

    backend = DurableBackend(program)
    real = backend._assert_text

    def assert_text(sid, text, ruleset=None):
        if ruleset in backend.findings_rulesets.values():
            raise EngineError("durable_rules rejected a fact: error: Could not assert fact, error code: 303")
        return real(sid, text, ruleset)

    monkeypatch.setattr(backend, "_assert_text", assert_text)
    with pytest.raises(EngineError, match="303"):
        backend.decide_batches(kind_batches(program.rules))


TRICKY = [Decimal("0.1"), Decimal("0.1000000000000000000001"), Decimal("0.09999999999999999999"),  # floats collide
          Decimal("0.00001"), Decimal("1E+17"), Decimal("-0.00"), Decimal("0"), Decimal("1E-400"),  # exponents, zeros
          Decimal("-1E-400"), Decimal("1E+400"), Decimal("-1E+400"), Decimal("12.50"), Decimal("12.5"),
          Decimal("1E+20"), Decimal("1E+21"), Decimal("100000000000000"), Decimal("99999999999999.9"),  # past int64;
          Decimal("-0.00000123456"), Decimal("5"), Decimal("5.0000000000000001"), Decimal("9.000000000000001"),
          Decimal("9.000000000000002"), None,  # 15 characters and more
          Decimal("0.2999999999999999888977697537"), Decimal("0.3"), Decimal("-0.1000000000000000000001"),  # written
          Decimal("1234567890123456789.25"), Decimal("1234567890123456789.5"),  # as printed; the point at 20
          Decimal("12345678901234567890.5"), Decimal("123456789012345678901.5")]  # and beyond


@needs_durable
def test_tricky_decimals_compare_in_durable_rules_as_in_python(program):
    """Every operator on every pair of TRICKY, decided by durable_rules itself: its C parser reads a plain
    integer text with atoll and a point or fraction with atof, and floats can collide or leave their range."""
    ops = ["<", "<=", ">", ">=", "==", "!="]
    rules = tuple(probe(program.ruleset, None, leaf, (leaf,), number)
                  for number, leaf in enumerate(Leaf(0, None, op, None, None) for op in ops))
    pairs = list(itertools.product(TRICKY, TRICKY))
    subjects = [object()] * len(pairs)
    columns = [([a for a, _ in pairs], [b for _, b in pairs])]
    batches = [RuleBatch(compiled, subjects, columns) for compiled in rules]
    # one parameter for the whole column, also as a shared right side (durable_findings.shared_right)
    shared = tuple(probe(program.ruleset, None, leaf, (leaf,), number + len(ops)) for number, leaf in enumerate(
        Leaf(0, None, op, None, Path(0, ("param", "x"))) for op in ops))
    for constant in (Decimal("1E+20"), Decimal("0.1"), Decimal("5"), Decimal("0.3"), Decimal("1234567890123456789.5")):
        subjects = [object()] * len(TRICKY)  # a list of its own: one batch per rule and subjects
        batches += [RuleBatch(compiled, subjects, [(TRICKY, [constant] * len(TRICKY))]) for compiled in rules + shared]
    found = assert_same_decisions(dataclasses.replace(program, rules=rules + shared), batches)
    assert len(found) > len(pairs)  # fired and unknown ones


@needs_durable
def test_percent_signs_in_operands_and_constants(program):
    """A fact's text is joined from its pieces (keys, a constant right operand: `%` escaped as for a format) and
    values: a `%` in either stays itself."""
    ops = ["==", "!="]
    rules = tuple(probe(program.ruleset, None, leaf, (leaf,), number)
                  for number, leaf in enumerate(Leaf(0, None, op, None, None) for op in ops))
    lefts = ["100%", "%s", "a%%b", "%", "100%s", "甲"] * 5  # every row known: the constant in the pieces
    batches = []
    for constant in ("100%", "%s", "%%"):
        subjects = [object()] * len(lefts)
        batches += [RuleBatch(compiled, subjects, [(lefts, [constant] * len(lefts))]) for compiled in rules]
    assert assert_same_decisions(dataclasses.replace(program, rules=rules), batches)


def _column_cases():
    rows = list(itertools.product(TRICKY, TRICKY))
    lefts, rights = [a for a, _ in rows], [b for _, b in rows]
    yield lefts, rights  # every pair, both sides varying
    for constant in (Decimal("0.1"), Decimal("1E-400"), Decimal("0.00005"), Decimal("12.5")):
        yield TRICKY * 3, [constant] * (3 * len(TRICKY))  # one parameter for the whole column
    yield [None] * 5, [Decimal(1)] * 5
    yield ["甲", 'a"b', "100%", None, "乙"], ["甲"] * 5
    yield ["甲", "100%", "%s", "乙"], ["100%"] * 4  # a constant in the format pieces
    yield ["甲", 'a"b', None, "乙", "丙"], ["甲", None, "x", 'a"b', "丙"]
    yield [Decimal(1), "1", None, True, Decimal(0)], [Decimal(1), "1", Decimal(2), False, None]  # mixed: == and != only


@needs_durable
def test_column_texts_are_the_rows_texts_and_keep_the_decimal_order():
    """The column-wise encoder writes what `_pair_text` writes row by row, and the floats durable_rules
    reads compare as the Decimals do, also where floats collide or leave their range."""
    import json

    from engine.backends.durable import _column_rows, _column_template, _column_texts, _OperandTexts

    keys = ([',"s0l":', ',"s1l":', ',"s2l":'], [',"s0r":', ',"s1r":', ',"s2r":'])
    known = _OperandTexts()  # shared by all columns, as in one decide_batches call
    for lefts, rights in _column_cases():
        texts = _column_texts(keys, (lefts, rights), False, known)
        assert texts == _column_rows(keys, (lefts, rights), False)
        pieces, values, width = _column_template(keys, (lefts, rights), False, known)  # the facts' layout
        assert [pieces[row % 3] % tuple(values[row * width:(row + 1) * width]) for row in range(len(lefts))] == texts
        for row, (left, right, text) in enumerate(zip(lefts, rights, texts)):
            if left is None or right is None:
                assert text == ""
                continue
            members = json.loads("{" + text[1:] + "}")
            slot = row % 3
            a, b = members[f"s{slot}l"], members[f"s{slot}r"]
            if isinstance(left, Decimal) and isinstance(right, Decimal):
                assert (a < b, a == b, a > b) == (left < right, left == right, left > right), (left, right, a, b)
    for booleans in ([True, False, None, True], [False, True, True]):
        texts = _column_texts(keys, (booleans,), True, known)
        assert texts == _column_rows(keys, (booleans,), True)
        pieces, values, width = _column_template(keys, (booleans,), True, known)
        assert [pieces[row % 3] % tuple(values[row * width:(row + 1) * width]) for row in range(len(booleans))] == texts


@needs_durable
def test_property_names_are_told_apart_by_their_fnv_hash_alone(program, monkeypatch):
    """durable_rules keys a fact's properties by a 32-bit FNV-1a hash of the name: two names with one hash are one
    property to it. The adapter computes that hash for every key of a layout and refuses a layout with a clash."""
    import json

    from durable import engine as durable_engine

    from engine.backends import durable_findings
    from engine.backends.base import EngineError
    from engine.backends.durable import DurableBackend

    assert durable_findings.fnv1a("k32728") == durable_findings.fnv1a("k261234")  # found by a birthday search
    assert durable_findings.clashing(["k32728", "k261234", "k1"]) == ["k32728"]
    native = durable_engine.durable_rules_engine
    handle = native.create_ruleset("fnv_probe", json.dumps({"r": {"all": [{"m": {"k32728": 1}}]},
                                                            "w": {"all": [{"m": {"g": "w"}}]}}))
    try:
        assert native.assert_fact(handle, '{"sid":"0","g":"w"}')[0] == 0  # the warm-up (durable_networks' trap)
        assert native.assert_fact(handle, '{"sid":"1","k261234":1}')[0] == 0  # matched on the other name
        assert native.assert_fact(handle, '{"sid":"2","k261235":1}')[0] == 1
    finally:
        native.delete_ruleset(handle)
    monkeypatch.setattr(durable_findings, "fnv1a", lambda key: 0)
    monkeypatch.setattr("engine.backends.durable._layouts", [])
    with pytest.raises(EngineError, match="散列值相同"):
        DurableBackend(program)

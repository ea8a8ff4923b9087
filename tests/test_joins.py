"""Comprehensions answered from an index (engine/expr/joins.py) give what the plain scan (the traced closures
without an index cache) gives: the value,
and with the traced closures the facts, for every claim of a report; and the columns the same values.

The claims are mutated freely after loading (orders out of line or repeated, values None, NaN, 1 and 1.0,
topics missing), so every rule of the index meets the cases where it must not prune.
"""
from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine import load_facts
from engine.expr import parse
from engine.expr import joins
from engine.expr.closures import MEMO, PARAMS, YEAR, compile_expr, compile_traced, free_roots
from engine.expr.columns import compile_column

from .expr_value import traced
from .factsfile import D, claim, write_facts
from .row_reference import frame_of_scopes

# The index is built for lists of INDEX_MIN items or more (48 in the engine); these tests lower that bound, since
# their reference, the plain scan, costs claims x claims per expression, and the index's rules do not depend on it.
INDEX_MIN = 12
N = INDEX_MIN + 6


@pytest.fixture(scope="module", autouse=True)
def small_index_bound():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(joins, "INDEX_MIN", INDEX_MIN)
        yield

EXPRESSIONS = [
    # the shipped rules (rules/consistency.yaml)
    "any(c.topic == claim.topic and c.measure == claim.measure and c.value != claim.value and c.order < claim.order"
    " for c in report.claims)",
    "first(c.text for c in report.claims if c.topic == claim.topic and c.measure == claim.measure"
    " and c.value != claim.value and c.order < claim.order)",
    "any(c.scope == \"全部\" and c.measure == claim.measure and c.value != claim.value for c in report.claims)",
    "first(c.value for c in report.claims if c.id == claim.complements)",
    # sides flipped, other orderings and reductions
    "count(c for c in report.claims if c.value != claim.value and c.order > claim.order)",
    "sum(c.value for c in report.claims if claim.topic == c.topic)",
    "list(c.id for c in report.claims if claim.order >= c.order and c.measure == claim.measure)",
    "all(c.value != claim.value for c in report.claims if c.topic == claim.topic)",
    "any(c.order >= claim.order and c.value == claim.value and c.id != claim.id for c in report.claims)",
    "first(c.id for c in report.claims if c.value == claim.value and c.order <= claim.order)",
    "any(c.topic != claim.topic and c.value < claim.value for c in report.claims)",
]

VALUES = [D(1), D("1.0"), D(2), D(3), 1, None, Decimal("NaN")]
TOPICS = ["", "甲", "乙", None]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims")
    claims = [claim(f"c{i}", f"第{i}处", "项目个数", i, unit="个", topic="甲") for i in range(N)]
    write_facts(folder, claims=claims)
    (report,) = load_facts([folder])
    return report


def orders(draw, n):
    kind = draw(st.sampled_from(["index", "shuffled", "repeated", "holes"]))
    if kind == "index":
        return list(range(n))
    if kind == "shuffled":
        return draw(st.permutations(range(n)))
    if kind == "repeated":
        return sorted(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
    return [None if draw(st.booleans()) and i % 7 == 0 else i for i in range(n)]


@st.composite
def claim_data(draw):
    rows = []
    for _ in range(N):
        rows.append((draw(st.sampled_from(TOPICS)), draw(st.sampled_from(["项目个数", "资金"])),
                     draw(st.sampled_from(VALUES)), draw(st.sampled_from(["", "全部", None])),
                     draw(st.sampled_from(["", "c3", "c40", "none"]))))
    return rows, orders(draw, N)


def apply(report, rows, order):
    for c, (topic, measure, value, scope, complements), o in zip(report.claims, rows, order):
        c.topic, c.measure, c.value, c.scope, c.complements, c.order = topic, measure, value, scope, complements, o


def reference(node, report, subject):
    try:
        value, facts, _ = traced(node, {"claim": subject, "report": report}, {}, report.year)
    except Exception as exc:  # noqa: BLE001 - NaN in an ordering raises in every evaluator
        return ("raises", type(exc)), None
    return value, facts


@settings(max_examples=12, deadline=None, phases=[Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=claim_data())
def test_indexed_comprehensions_equal_the_plain_scan(loaded, data):
    report = loaded
    apply(report, *data)
    indexes: dict = {}  # shared by the claims, as make_finding shares one run's
    for text in EXPRESSIONS:
        node = parse(text)
        assert joins.plan_of(node, free_roots) is not None, text
        traced, plain = compile_traced(node), compile_expr(node)
        with localcontext() as ctx:
            ctx.prec = 34
            for subject in report.claims:
                expected, expected_facts = reference(node, report, subject)
                scope = {"claim": subject, "report": report, PARAMS: {}, YEAR: Decimal(report.year), MEMO: {},
                         joins.INDEXES: indexes}
                if expected_facts is None:
                    continue  # the plain scan raises; the indexed one may skip the item that raises it
                facts: list = []
                assert repr(traced(scope, facts, [])) == repr(expected), (text, subject.id)
                assert facts == expected_facts, (text, subject.id)
                assert repr(plain(dict(scope, **{MEMO: {}}))) == repr(expected), (text, subject.id)
    assert indexes, "no index was built: the test did not exercise expr/joins.py"


@settings(max_examples=8, deadline=None, phases=[Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=claim_data())
def test_indexed_columns_equal_the_plain_scan(loaded, data):
    report = loaded
    apply(report, *data)
    scopes = [{"claim": c, "report": report} for c in report.claims]
    for text in EXPRESSIONS:
        node = parse(text)
        expected = [reference(node, report, c)[0] for c in report.claims]
        if any(type(v) is tuple for v in expected):
            continue
        with localcontext() as ctx:
            ctx.prec = 34
            frame = frame_of_scopes(scopes, {}, Decimal(report.year))
            got = compile_column(node)(frame)
        assert [repr(v) for v in got] == [repr(v) for v in expected], text


def test_what_is_not_indexed():
    # a list the expression computes (a new object each time), and a predicate that is no conjunction
    assert joins.plan_of(parse("any(x == claim.value for x in [1, 2])"), free_roots) is None
    assert joins.plan_of(parse("count(c for c in report.claims if c.value == 1 or c.id == claim.id)"),
                         free_roots) is None

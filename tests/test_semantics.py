"""What each operator means (engine/expr/semantics.py), through every executor that runs it.

Each expression is computed by the scalar closures (findings, explain), by the column functions on a frame of
that row alone and on a frame where a row of unknowns sits beside it (so both the C fast paths and the per-element
path are taken), and the Kleene tables also by the Python backend's decide/decide_column. Each must give the
value written here: unknown (None) propagates, division by zero is unknown, and/or/not are Kleene's, integers
read from facts become Decimals, and aggregates say unknown when an item or a condition is.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from types import SimpleNamespace as NS

import pytest

from engine.backends.python import decide, decide_column
from engine.construct.compile import And, Leaf, Not, Or
from engine.expr import parse
from engine.expr.columns import compile_column

from .expr_value import traced, value_of
from .row_reference import frame_of_scopes

D = Decimal
UNKNOWN_ROW = {"x": NS(a=None, b=None, p=None, q=None, items=None)}


def computed(text: str, x) -> list:
    """The value by the closures, by the columns alone and by the columns beside a row of unknowns."""
    scope = {"x": x}
    node = parse(text)
    with localcontext() as ctx:
        ctx.prec = 34
        alone = compile_column(node)(frame_of_scopes([scope], {}, D(2024)))[0]
        beside = compile_column(node)(frame_of_scopes([UNKNOWN_ROW, scope], {}, D(2024)))[1]
    return [value_of(text, scope), alone, beside]


def check(text: str, x, expected) -> None:
    for got in computed(text, x):
        assert repr(got) == repr(expected), (text, x, computed(text, x))


# ---- arithmetic ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, a, b, expected", [
    ("x.a + x.b", D("0.1"), D("0.2"), D("0.3")),
    ("x.a - x.b", D("1.50"), D("2"), D("-0.50")),
    ("x.a * x.b", D("1.5"), D("3"), D("4.5")),
    ("x.a / x.b", D("1"), D("3"), D("0.3333333333333333333333333333333333")),  # 34 digits
    ("x.a / x.b", D("7"), D("0"), None),  # division by zero: unknown, not an error
    ("x.a / x.b", D("0"), D("0"), None),
    ("x.a / x.b", D("7"), D("0.00"), None),
    ("x.a + x.b", None, D("1"), None),
    ("x.a - x.b", D("1"), None, None),
    ("x.a * x.b", None, None, None),
    ("x.a / x.b", None, D("0"), None),
    ("-x.a", None, None, None),
    ("-x.a", D("2.5"), None, D("-2.5")),
])
def test_arithmetic_is_exact_and_unknown_propagates(text, a, b, expected):
    check(text, NS(a=a, b=b), expected)


def test_integers_read_from_facts_become_decimals_and_bools_stay_bools():
    check("x.a", NS(a=3), D(3))
    check("x.a + x.b", NS(a=3, b=2), D(5))
    check("x.a / x.b", NS(a=1, b=4), D("0.25"))
    check("x.a", NS(a=True), True)
    check("year", NS(), D(2024))


# ---- comparison and membership ------------------------------------------------------------------

@pytest.mark.parametrize("text, a, b, expected", [
    ("x.a < x.b", D("1"), D("2"), True),
    ("x.a <= x.b", D("2.00"), D("2"), True),
    ("x.a > x.b", D("1"), D("2"), False),
    ("x.a >= x.b", D("2"), D("2.0"), True),
    ("x.a == x.b", D("0.70"), D("0.7"), True),
    ("x.a != x.b", "甲", "乙", True),
    ("x.a < x.b", None, D("2"), None),
    ("x.a == x.b", None, None, None),  # unknown is not equal to unknown: it is unknown
    ("x.a != x.b", D("1"), None, None),
    ("x.a in x.b", "优", ["优", "良"], True),
    ("x.a not in x.b", "优", ["优", "良"], False),
    ("x.a in x.b", "差", ["优", "良"], False),
    ("x.a in x.b", None, ["优"], None),
    ("x.a not in x.b", "优", None, None),
])
def test_comparisons_are_unknown_when_a_side_is(text, a, b, expected):
    check(text, NS(a=a, b=b), expected)


# ---- Kleene logic -------------------------------------------------------------------------------

T, F, U = True, False, None
AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}
NOT = {T: F, F: T, U: U}


@pytest.mark.parametrize("p, q", sorted(AND, key=repr))
def test_and_or_follow_kleene(p, q):
    check("x.p and x.q", NS(p=p, q=q), AND[p, q])
    check("x.p or x.q", NS(p=p, q=q), OR[p, q])
    # the backends decide a rule's tree with the same tables, row by row and column-wise
    leaves = [(p,), (q,)]
    for tree, table in ((And((Leaf(0, None, None, None, None), Leaf(1, None, None, None, None))), AND),
                        (Or((Leaf(0, None, None, None, None), Leaf(1, None, None, None, None))), OR)):
        assert decide(tree, leaves) is table[p, q]
        assert decide_column(tree, [([p],), ([q],)]) == [table[p, q]]
        assert decide_column(tree, [([p, U],), ([q, T],)])[0] is table[p, q]


@pytest.mark.parametrize("p", [T, F, U])
def test_not_leaves_unknown_unknown(p):
    check("not x.p", NS(p=p), NOT[p])
    tree = Not(Leaf(0, None, None, None, None))
    assert decide(tree, [(p,)]) is NOT[p]
    assert decide_column(tree, [([p],)]) == [NOT[p]]


def test_three_way_logic_is_decided_by_any_decisive_item():
    check("x.p or x.q or x.a > 0", NS(p=U, q=U, a=D(1)), True)
    check("x.p and x.q and x.a > 0", NS(p=U, q=T, a=D(-1)), False)
    check("x.p and x.q and x.a > 0", NS(p=U, q=T, a=D(1)), None)


# ---- aggregates ---------------------------------------------------------------------------------

def items(*rows):
    return NS(items=[NS(v=v, ok=ok) for v, ok in rows])


@pytest.mark.parametrize("text, rows, expected", [
    ("sum(i.v for i in x.items)", [], D(0)),
    ("sum(i.v for i in x.items)", [(D("1.5"), T), (2, T)], D("3.5")),
    ("sum(i.v for i in x.items)", [(D("1"), T), (None, T)], None),  # an unknown item: the sum is unknown
    ("sum(i.v for i in x.items if i.ok)", [(D("1"), T), (None, F)], D("1")),  # filtered out: not counted
    ("sum(i.v for i in x.items if i.ok)", [(D("1"), T), (D("2"), U)], None),  # unknown whether to count it
    ("count(i for i in x.items if i.ok)", [(D("1"), T), (D("2"), F)], D(1)),
    ("count(i for i in x.items if i.ok)", [(D("1"), T), (D("2"), U)], None),
    ("count(i for i in x.items)", [], D(0)),
    ("avg(i.v for i in x.items)", [(D("1"), T), (D("2"), T)], D("1.5")),
    ("avg(i.v for i in x.items)", [], None),
    ("min(i.v for i in x.items)", [(D("3"), T), (D("-1"), T)], D("-1")),
    ("max(i.v for i in x.items)", [(D("3"), T), (D("-1"), T)], D("3")),
    ("max(i.v for i in x.items)", [], None),
    ("min(i.v for i in x.items)", [(D("3"), T), (None, T)], None),
    ("any(i.ok for i in x.items)", [(0, F), (0, U), (0, T)], True),  # a true item decides
    ("any(i.ok for i in x.items)", [(0, F), (0, U)], None),
    ("any(i.ok for i in x.items)", [(0, F)], False),
    ("any(i.ok for i in x.items)", [], False),
    ("all(i.ok for i in x.items)", [(0, T), (0, U), (0, F)], False),  # a false item decides
    ("all(i.ok for i in x.items)", [(0, T), (0, U)], None),
    ("all(i.ok for i in x.items)", [], True),
    ("any(i.v > 1 for i in x.items if i.ok)", [(D(5), U), (D(0), T)], None),  # the unknown condition
    ("first(i.v for i in x.items if i.ok)", [(D(1), F), (D(2), T), (D(3), U)], D(2)),
    ("first(i.v for i in x.items if i.ok)", [(D(1), F), (D(2), U), (D(3), T)], None),  # may match first
    ("first(i.v for i in x.items if i.ok)", [(D(1), F)], None),
    ("list(i.v for i in x.items if i.ok)", [(D(1), T), (D(2), U), (3, T)], [D(1), D(3)]),
])
def test_aggregates(text, rows, expected):
    check(text, items(*rows), expected)


def test_an_unknown_list_makes_every_aggregate_unknown():
    for name in ("sum", "count", "avg", "min", "max", "any", "all", "first", "list"):
        check(f"{name}(i.v for i in x.items)", NS(items=None), None)


# ---- what a value rests on (the facts a finding cites) -------------------------------------------

def _records(rows):
    from engine.core.model import FactSource, Project, Score

    return NS(projects=[Project(name=name, score=Score(total=total, sources={"total": FactSource("f.yaml", k, "表")}))
                        for k, (name, total) in enumerate(rows, start=1)])


def cited_lines(text: str, rows) -> list:
    _, facts, _ = traced(text, {"report": _records(rows)})
    return [source.line for _, _, source, _ in facts if source is not None]


def test_any_rests_on_its_first_true_item_and_all_on_its_first_false_one():
    rows = [("甲", D(50)), ("乙", D(95)), ("丙", D(99))]
    assert cited_lines("any(p.score.total > 90 for p in report.projects)", rows) == [2]
    assert cited_lines("all(p.score.total > 60 for p in report.projects)", rows) == [1]
    # nothing decides: every item
    assert cited_lines("any(p.score.total > 100 for p in report.projects)", rows) == [1, 2, 3]
    # without a condition: first rests on its first item, the other aggregates on every item, in order
    assert cited_lines("first(p.score.total for p in report.projects)", rows) == [1]
    for name in ("sum", "avg", "min", "max", "count", "list"):
        assert cited_lines(f"{name}(p.score.total for p in report.projects)", rows) == [1, 2, 3], name


def test_items_filtered_out_are_not_cited_and_first_cites_the_condition_it_stopped_at():
    rows = [("甲", D(50)), ("乙", D(95)), ("丙", D(99))]
    assert cited_lines("sum(p.score.total for p in report.projects if p.score.total > 90)", rows) == [2, 2, 3, 3]
    rows = [("甲", D(50)), ("乙", None), ("丙", D(99))]
    assert cited_lines("first(p.score.total for p in report.projects if p.score.total > 90)", rows) == [2]


def test_an_unknown_result_cites_the_items_whose_condition_is_unknown():
    # the unknown condition is why the result is unknown: a finding that cannot be evaluated must name the
    # missing fact (it said 缺少 数据不足或除数为零 for 临沧's funding row whose 全年预算 was unreadable)
    rows = [("甲", D(50)), ("乙", None), ("丙", D(99))]
    text = "sum(p.score.total for p in report.projects if p.score.total > 90)"
    assert value_of(text, {"report": _records(rows)}) is None
    assert cited_lines(text, rows) == [3, 3, 2]
    _, facts, _ = traced(text, {"report": _records(rows)})
    assert [(source.line, value) for _, value, source, _ in facts if value is None] == [(2, None)]
    # a result that the other items settle does not rest on the undecided one
    assert cited_lines("any(p.score.total > 90 for p in report.projects if p.score.total > 60)", rows) == [3, 3]


@pytest.mark.parametrize("values, expected", [
    ([], False), ([Decimal("1"), "a", True], False), ([Decimal(0), 0, False, "", Decimal("-0E+3")], False),
    ([False, None], True), ([Decimal("2"), None], True), ([None], True), ([Decimal(0), Decimal(1), None], True),
])
def test_has_none_finds_none_whatever_else_is_falsy(values, expected):
    # has_none asks all(values) first: a falsy value must not be taken for None, nor hide one after it
    from engine.expr.semantics import has_none

    assert has_none(values) is expected

"""Precision-aware consistency: a printed figure stands for the values its printed precision allows
(engine/expr/intervals.py), and contradicts a computation only when no allowed value gives it."""
from __future__ import annotations

from decimal import Decimal, localcontext
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.catalog import SUBJECT_SCOPES
from engine.expr import parse
from engine.expr.check import Checker
from engine.expr.closures import compile_expr
from engine.expr.intervals import _DOWN, _UP, Interval, _exponent, _hull, contradicts, span

from .row_reference import scope_for
from .test_columns import column_of, per_subject

D = Decimal


def bounds(interval):
    return interval.low, interval.high


def test_a_printed_figure_stands_for_half_a_unit_either_side():
    assert bounds(span(D("33.79"))) == (D("33.785"), D("33.795"))
    assert bounds(span(D("0.9429"))) == (D("0.94285"), D("0.94295"))  # 94.29%
    assert bounds(span(D(100))) == (D("99.5"), D("100.5"))
    assert span(None) is None


def test_94_29_percent_is_allowed_by_33_79_over_35_84():
    computed = span(D("33.79")) / span(D("35.84"))
    assert D("0.94253") < computed.low < D("0.94254") and D("0.94307") < computed.high < D("0.94308")
    assert D("33.79") / D("35.84") < D("0.94285")  # exactly computed, 94.28% rounded: the old check fired
    assert contradicts(D("0.9429"), computed) is False


def test_86_19_percent_is_not_allowed_by_215457_6_over_250000():
    computed = span(D("215457.6")) / span(D("250000.00"))
    assert computed.high < D("0.861831")  # only 86.183%
    assert contradicts(D("0.8619"), computed) is True
    assert contradicts(D("0.8618"), computed) is False


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [Decimal(t) for t in ("0", "-0.00", "1E+2", "0E-9", "1.2E-7", "0.000001", "0.0000001", "100", "sNaN")]))
def test_the_exponent_read_from_the_text_is_as_tuples(x):
    assert _exponent(x) == x.as_tuple().exponent


def test_exact_counts_give_exact_intervals():
    # 2 of 3 projects: exactly 66.666…%; printed 66.67% agrees, 66.66% stands for at most 66.665% and does not.
    # Read as printed figures instead, 2 / 3 would allow anything from 1.5 / 3.5 to 2.5 / 2.5.
    assert contradicts(D("0.6667"), D(2) / D(3)) is False
    assert contradicts(D("0.6666"), D(2) / D(3)) is True
    assert contradicts(D("0.6666"), span(D(2)) / span(D(3))) is False
    assert contradicts(D(3), D(3)) is False and contradicts(D(3), D(4)) is True


def test_division_by_an_interval_that_may_be_zero_is_unknown():
    assert span(D(1)) / span(D("0.00")) is None
    assert span(D(1)) / Interval(D("-1"), D("2")) is None
    assert D(1) / span(D(0)) is None
    assert contradicts(D("0.5"), None) is None and contradicts(None, D(1)) is None
    quotient = span(D(1)) / span(D("0.1"))  # [0.5, 1.5] / [0.05, 0.15]: near 0 but not 0
    assert D("3.3333") < quotient.low < D("3.3334") and quotient.high == 30


def test_arithmetic_gives_every_value_the_inputs_allow():
    a, b = span(D("10.0")), span(D(-2))  # [9.95, 10.05], [-2.5, -1.5]
    assert bounds(a + b) == (D("7.45"), D("8.55"))
    assert bounds(a - b) == (D("11.45"), D("12.55"))
    assert bounds(D(1) - a) == (D("-9.05"), D("-8.95"))
    assert bounds(a * b) == (D("-25.125"), D("-14.925"))
    assert bounds(-b) == (D("1.5"), D("2.5"))
    assert bounds(sum([a, a], D(0))) == (D("19.90"), D("20.10"))


def test_touching_intervals_agree_and_rounding_goes_outwards():
    # 9.4028 / 10 is at least 9.40275 / 10.5 = 0.8955 exactly: the most 89.5% can stand for
    assert contradicts(D("0.895"), span(D("9.4028")) / span(D(10))) is False
    assert contradicts(D("0.895"), span(D("9.4029")) / span(D(10))) is True
    # a third has no finite decimal: the bounds are rounded away from each other, never inwards
    third = Interval(D(1), D(1)) / D(3)
    assert third.low < third.high
    with localcontext() as ctx:
        ctx.prec = 40
        assert third.low * 3 < 1 < third.high * 3


SCOPES = [
    {"x": SimpleNamespace(a=D("33.79"), b=D("35.84"), r=D("0.9429"), items=[SimpleNamespace(v=D("10.03")),
                                                                              SimpleNamespace(v=D("20.03"))])},
    {"x": SimpleNamespace(a=D("215457.6"), b=D("250000.00"), r=D("0.8619"), items=[SimpleNamespace(v=D("10.04"))])},
    {"x": SimpleNamespace(a=1, b=0, r=D("0.5"), items=[])},  # ints as from YAML; a zero divisor
    {"x": SimpleNamespace(a=None, b=D("1"), r=None, items=[SimpleNamespace(v=None)])},
]


@pytest.mark.parametrize("text", [
    "contradicts(x.r, span(x.a) / span(x.b))", "not contradicts(x.r, span(x.a) / span(x.b))",
    "contradicts(x.r, x.a / x.b)", "span(x.a) / span(x.b)", "-span(x.a) + 1", "span(x.a) * 2 - x.b",
    "contradicts(30.0, sum(span(i.v) for i in x.items))", "sum(span(i.v) for i in x.items)",
    "avg(span(i.v) for i in x.items)", "first(span(i.v) for i in x.items)",
])
def test_every_evaluator_computes_the_same_intervals(text):
    expected = per_subject(text, SCOPES)
    assert repr(column_of(text, SCOPES)) == repr(expected)
    closure = compile_expr(parse(text))
    with localcontext() as ctx:
        ctx.prec = 34
        scalar = [closure(scope_for(scope, {}, D(2024))) for scope in SCOPES]
    assert repr(scalar) == repr(expected)


def test_the_verdicts_on_the_examples():
    verdicts = per_subject("contradicts(x.r, span(x.a) / span(x.b))", SCOPES)
    assert verdicts == [False, True, None, None]
    assert per_subject("contradicts(30.0, sum(span(i.v) for i in x.items))", SCOPES)[:2] == [False, True]


@pytest.mark.parametrize("text, message", [
    ("span(project.budget.rate) > 0.9", "大小比较需要两个数值"),
    ("span(project.budget.rate) == project.budget.rate", "不能比较 interval 与 num"),
    ("abs(span(project.budget.rate)) > 0", "abs() 的参数类型应为 num"),
    ("max(span(p.budget.executed) for p in report.projects) > 0", "max() 需要数值"),
    ('contradicts(project.budget.rate, "高")', "contradicts() 的参数类型应为 num|interval"),
])
def test_intervals_are_only_for_arithmetic_and_contradicts(text, message):
    checker = Checker(SUBJECT_SCOPES["project"], {})
    checker.check(parse(text))
    assert any(message in p.message for p in checker.problems), [p.message for p in checker.problems]


@pytest.mark.parametrize("text", [
    "contradicts(project.budget.rate, span(project.budget.executed) / span(project.budget.full_year))",
    "contradicts(report.totals.initial, sum(span(p.budget.initial) for p in report.projects))",
    "contradicts(project.budget.rate, avg(span(p.budget.rate) for p in report.projects) * 1)",
    "not contradicts(span(project.budget.rate) * 2, -span(project.budget.rate))",
])
def test_rule_shaped_uses_check(text):
    checker = Checker(SUBJECT_SCOPES["project"], {})
    assert checker.check(parse(text)) == "bool" and checker.problems == []


def test_a_claim_keeps_its_own_precision_through_wan():
    # 0.0031亿元 stands for 0.00305 .. 0.00315 亿元, i.e. 30.5 .. 31.5 万元 (not 31.0 ± 0.05)
    checker = Checker(SUBJECT_SCOPES["claim"], {})
    node = parse("wan(span(claim.value), claim.unit)")
    assert checker.check(node) == "interval" and checker.problems == []
    scope = {"claim": SimpleNamespace(value=D("0.0031"), unit="亿元")}
    [value] = per_subject("wan(span(claim.value), claim.unit)", [scope])
    assert bounds(value) == (D("30.5"), D("31.5"))
    assert per_subject("wan(claim.value, claim.unit)", [scope]) == [D("31")]
    assert per_subject('wan(span(claim.value), "美元")', [scope]) == [None]


ENDS = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
INTERVALS = st.tuples(ENDS, ENDS).map(lambda ends: Interval(min(ends), max(ends)))


@given(INTERVALS, INTERVALS)
def test_products_and_quotients_are_the_hull_of_the_corners(a, b):
    # the shortcut for non-negative operands (amounts, rates) must give what the four corners give
    with localcontext() as ctx:
        ctx.prec = 34
        corners = [(x, y) for x in (a.low, a.high) for y in (b.low, b.high)]
        product = a * b
        assert bounds(product) == (min(x * y for x, y in corners), max(x * y for x, y in corners))
        quotient = a / b
        if b.low <= 0 <= b.high:
            assert quotient is None
        else:
            assert bounds(quotient) == bounds(_hull(_DOWN.divide, _UP.divide, a, b))


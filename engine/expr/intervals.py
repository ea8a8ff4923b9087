"""Interval arithmetic over printed precision: what a printed figure allows, and when two figures contradict.

A figure printed as 33.79 stands for any true value from 33.785 to 33.795 (`span`); a count or
any other number not passed through `span` stands for itself. Arithmetic on intervals gives every
value the inputs allow, so a printed figure contradicts a computation only when its own interval
and the computed one do not meet (`contradicts`). Bounds are closed: a true value exactly half a
unit away may have been rounded either way, depending on the rounding rule the report used.

Intervals take part in the expression language's + - * / (and in sum and avg) through Python's
operators, so every evaluator (evaluate.py, closures.py, columns.py) computes them with the code
it already has for Decimals. Bounds are rounded outwards, so a 34-digit division never makes two
touching intervals look apart. Dividing by an interval that contains 0 gives None: unknown, as
dividing by 0 does.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from .semantics import to_decimal

_DOWN = Context(prec=34, rounding=ROUND_FLOOR)
_UP = Context(prec=34, rounding=ROUND_CEILING)
# bound once: sums add many intervals, and the attribute lookups were a third of an addition's time
_down_add, _up_add, _down_subtract = _DOWN.add, _UP.add, _DOWN.subtract


class Interval:
    """Every value from low to high, both included. No ordering or equality: compare through `contradicts`."""

    __slots__ = ("low", "high")

    def __init__(self, low: Decimal, high: Decimal):
        self.low = low
        self.high = high

    def __repr__(self):
        return f"Interval({self.low}, {self.high})"

    def __str__(self):
        return f"[{self.low}, {self.high}]"

    def __neg__(self):
        return Interval(-self.high, -self.low)

    def __add__(self, other):
        if type(other) is not Interval:  # sums add many intervals: the test for one first
            other = _as_interval(other)
            if other is None:
                return NotImplemented
        return Interval(_down_add(self.low, other.low), _up_add(self.high, other.high))

    __radd__ = __add__

    def __sub__(self, other):
        other = _as_interval(other)
        if other is None:
            return NotImplemented
        return Interval(_DOWN.subtract(self.low, other.high), _UP.subtract(self.high, other.low))

    def __rsub__(self, other):
        other = _as_interval(other)
        return NotImplemented if other is None else other - self

    def __mul__(self, other):
        other = _as_interval(other)
        if other is None:
            return NotImplemented
        if self.low >= 0 and other.low >= 0:  # amounts: the usual case, extremes at the ends
            return Interval(_DOWN.multiply(self.low, other.low), _UP.multiply(self.high, other.high))
        return _hull(_DOWN.multiply, _UP.multiply, self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _as_interval(other)
        if other is None:
            return NotImplemented
        if other.low <= 0 <= other.high:
            return None  # the divisor may be 0: nothing can be said about the quotient
        if self.low >= 0 and other.low > 0:  # a rate of amounts: the usual case, extremes known
            return Interval(_DOWN.divide(self.low, other.high), _UP.divide(self.high, other.low))
        return _hull(_DOWN.divide, _UP.divide, self, other)

    def __rtruediv__(self, other):
        other = _as_interval(other)
        return NotImplemented if other is None else other / self


def _as_interval(x):
    if isinstance(x, Interval):
        return x
    x = to_decimal(x)  # avg divides a sum by len(values)
    return Interval(x, x) if isinstance(x, Decimal) else None


def _hull(down, up, a: Interval, b: Interval) -> Interval:
    """The smallest interval holding op(x, y) for x in a, y in b (the extremes are at the corners)."""
    corners = [(x, y) for x in (a.low, a.high) for y in (b.low, b.high)]
    return Interval(min(down(x, y) for x, y in corners), max(up(x, y) for x, y in corners))


_HALVES = {e: Decimal(5).scaleb(e - 1) for e in range(-40, 41)}  # exponent -> half a unit of that digit


def span(x):
    """The values a printed figure allows: half a unit of its last printed digit either side."""
    if x is None:
        return None
    if type(x) is Interval:
        return x
    exponent = _exponent(x)
    half = _HALVES.get(exponent) or Decimal(5).scaleb(exponent - 1)
    return Interval(_down_subtract(x, half), _up_add(x, half))


def _exponent(x: Decimal) -> int:
    """x.as_tuple().exponent, read from str(x) in a third of its time (as_tuple builds a named tuple of the digits):
    without E notation, str writes as many digits after the point as the exponent says (none for 0)."""
    text = str(x)
    if "E" in text or not text[-1].isdigit():  # E notation, NaN, Infinity
        return x.as_tuple().exponent
    point = text.find(".")
    return 0 if point < 0 else point + 1 - len(text)


def contradicts(printed, computed):
    """Whether no value the printed figure allows equals any value the computation allows.

    printed: a figure as printed (its span is taken) or an interval already; computed: an interval
    (from span()s of printed inputs) or an exact number. None where either is unknown."""
    if printed is None or computed is None:
        return None
    printed = span(printed)
    computed = _as_interval(computed)
    return printed.high < computed.low or computed.high < printed.low

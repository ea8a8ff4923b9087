"""What each operator of the expression language means for one value: written here once.

None means "unknown" (missing data, division by zero): it propagates through arithmetic and
comparisons, and and/or/not follow Kleene's three-valued logic, so missing data is never a silent
pass. Numbers are exact Decimals; an int read from the facts (a count, a year) becomes a Decimal.

Every executor calls these functions: the traced closures (closures.py), the column functions
(columns.py) per element, and the backends' decisions (backends/python.py, the Python side of
backends/durable.py). Callers run them inside a decimal context with 34 digits of precision.

The tables ARITHMETIC and ORDERING map an operator to the `operator` function that is its meaning
when no operand is unknown (and no divisor zero); columns.py maps those same functions over whole
columns at C speed when the columns hold no None (and no zero divisor), so the fast path is the same
computation by construction, not a copy.
"""
from __future__ import annotations

import operator
from decimal import Decimal
from itertools import repeat

# an operator's value for known operands (for "/", a divisor that is not zero)
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
ORDERING = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


def to_decimal(value):
    """An int (not a bool) as a Decimal; anything else as it is."""
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def has_none(values) -> bool:
    """None in values, by identity: `None in` compares, and Decimal's == with None is slow (a numbers ABC check).
    A column whose values are all true holds no None: `all` tells it at 3-4 ns a value against 13-15 for the scan
    (1.1 M values in 1,720 columns an evaluation of 10,000 projects, 17 ms); a falsy value ends it early."""
    return not all(values) and not all(map(operator.is_not, values, repeat(None)))


# ---- arithmetic ---------------------------------------------------------------------------------

def negate(value):
    return None if value is None else -value


def _arithmetic(op: str):
    known, division = ARITHMETIC[op], op == "/"

    def binary(left, right):
        if left is None or right is None or (division and right == 0):
            return None  # division by zero: the rule cannot be evaluated, not a crash
        return known(left, right)

    return binary


# op -> (left, right) -> value, unknown when an operand is unknown or a divisor is zero
BINARY = {op: _arithmetic(op) for op in ARITHMETIC}


# ---- comparison and membership ------------------------------------------------------------------

def compare(op: str, left, right):
    if left is None or right is None:
        return None
    function = ORDERING.get(op)
    if function is not None:
        return function(left, right)
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    raise ValueError(op)


# ---- Kleene logic -------------------------------------------------------------------------------

def logic(decisive: bool, values):
    """Kleene or (decisive True) / and (decisive False) of a sequence: a decisive value decides, else one
    unknown makes the result unknown, else the other value."""
    if decisive in values:
        return decisive
    return None if None in values else (not decisive)


def negation(value):
    return None if value is None else not value


# ---- aggregates over a comprehension's items ----------------------------------------------------
# Each takes the element values of the items kept (in order) and whether some item's condition was
# unknown, and gives the result. `rests_on` says which items' facts the result rests on.

def _count(values, unknown):
    return None if unknown else Decimal(len(values))


def _first(values, unknown):
    return values[0] if values else None


def _list(values, unknown):
    return values


def _settled(decisive: bool):
    """any (decisive True) / all (decisive False): an element that is the decisive value decides, else unknown
    conditions or elements make it unknown."""
    def aggregate(values, unknown):
        if any(map(operator.is_, values, repeat(decisive))):  # not a generator: a call per row of a column
            return decisive
        return None if unknown or None in values else (not decisive)

    return aggregate


def _numeric(combine):
    def aggregate(values, unknown):
        if unknown or has_none(values):
            return None
        return combine(values)

    return aggregate


# a numeric aggregate's value where no element is unknown and no item's condition was
COMBINE = {
    "sum": lambda values: sum(values, Decimal(0)),
    "avg": lambda values: sum(values, Decimal(0)) / len(values) if values else None,
    "min": lambda values: min(values) if values else None,
    "max": lambda values: max(values) if values else None,
}
AGGREGATES = {
    "count": _count, "first": _first, "list": _list, "any": _settled(True), "all": _settled(False),
    **{name: _numeric(combine) for name, combine in COMBINE.items()},
}

# An element value after which no later item changes the result nor the items it rests on.
SETTLES = {"any": True, "all": False}


def rests_on(name: str, values: list) -> range | list:
    """Positions of the items whose facts the aggregate of `values` rests on: the first item of `first`,
    the first settling item of any/all when there is one, otherwise every item."""
    if name == "first":
        return range(min(len(values), 1))
    settle = SETTLES.get(name)
    if settle is not None:
        for k, v in enumerate(values):
            if v is settle:
                return [k]
    return range(len(values))

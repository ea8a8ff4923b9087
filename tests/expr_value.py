"""An expression's value through the one implementation (expr/closures.py over expr/semantics.py), for tests."""
from __future__ import annotations

from decimal import Decimal, localcontext

from engine.expr import parse
from engine.expr.closures import PARAMS, YEAR, compile_traced


def traced(expression, names: dict, params: dict | None = None, year: int = 2024) -> tuple:
    """(value, facts read as (path, value, source, root type), parameters used) of an expression (text or node)."""
    node = parse(expression) if isinstance(expression, str) else expression
    facts: list = []
    used: list = []
    with localcontext() as ctx:
        ctx.prec = 34
        value = compile_traced(node)({**names, PARAMS: params or {}, YEAR: Decimal(year)}, facts, used)
    return value, facts, used


def value_of(expression, names: dict, params: dict | None = None, year: int = 2024):
    return traced(expression, names, params, year)[0]

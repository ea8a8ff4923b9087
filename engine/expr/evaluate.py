"""Evaluate an expression over fact records with exact Decimal arithmetic and three-valued logic.

None means "unknown" (missing data, division by zero): it propagates through arithmetic
and comparisons, and and/or follow Kleene logic, so missing data is never a silent pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from ..model import Record
from . import ast as A
from .functions import FUNCTIONS


@dataclass
class FactUse:
    path: str  # as written in the rule, e.g. project.budget.executed or p.score.total
    value: object
    source: object  # FactSource or None
    root_type: str = ""  # record type the path starts from, e.g. Project


@dataclass
class Trace:
    """What an evaluation touched: the facts and parameters used, and every node's value."""

    facts: list = field(default_factory=list)
    params: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # id(node) -> value
    record_values: bool = False


def _is_record_or_records(value) -> bool:
    if isinstance(value, Record):
        return True
    return isinstance(value, list) and any(isinstance(v, Record) for v in value)


def compare(op: str, left, right):
    if left is None or right is None:
        return None
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op in ("in", "not in"):
        found = left in right
        return found if op == "in" else not found
    raise ValueError(op)


class Evaluator:
    def __init__(self, scope: dict, params: dict, year: int, trace: Trace | None = None, budget=None):
        """budget: optional engine.budget.Budget every comprehension's items are counted against (per report)."""
        self.scope = dict(scope)
        self.params = params  # name -> value in force
        self.year = year
        self.trace = trace
        self.budget = budget

    def eval(self, node: A.Node):
        with localcontext() as ctx:
            ctx.prec = 34
            return self._eval(node)

    def _eval(self, node):
        value = getattr(self, "_" + type(node).__name__.lower())(node)
        if self.trace is not None and self.trace.record_values:
            self.trace.values[id(node)] = value
        return value

    def _num(self, node):
        return node.value

    def _str(self, node):
        return node.value

    def _const(self, node):
        return node.value

    def _listlit(self, node):
        return [self._eval(i) for i in node.items]

    def _path(self, node):
        head, rest = node.parts[0], node.parts[1:]
        if head == "param":
            value = self.params.get(rest[0])
            if self.trace is not None and rest[0] not in self.trace.params:
                self.trace.params.append(rest[0])
            return value
        if head == "year":
            return Decimal(self.year)
        value = self.scope.get(head)
        root_type = type(value).__name__
        for part in rest:
            if value is None:
                return None
            source = value.sources.get(part) if isinstance(value, Record) else None
            value = getattr(value, part, None)
            if self.trace is not None and not _is_record_or_records(value):
                self.trace.facts.append(FactUse(".".join(node.parts), value, source, root_type))
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        return value

    def _call(self, node):
        args = [self._eval(a) for a in node.args]
        return FUNCTIONS[node.name][2](*args)

    def _comprehension(self, node):
        items = self._eval(node.iterable)
        if items is None:
            return None
        if self.budget is not None:
            self.budget.spend(self.scope.get("report"), len(items))
        saved = self.scope.get(node.var)
        results = []  # (element value, facts touched while deciding and computing it)
        unknown = False
        try:
            for item in items:
                self.scope[node.var] = item
                mark = len(self.trace.facts) if self.trace is not None else 0
                if node.condition is not None:
                    keep = self._eval(node.condition)
                    if keep is None:
                        unknown = True
                        if node.name == "first" and not results:
                            break  # an item that may or may not match comes first: the first match is unknown
                    if not keep:
                        self._forget(mark)  # items filtered out are not facts the result rests on
                        continue
                value = self._eval(node.element)
                touched = self._forget(mark)
                results.append((value, touched))
        finally:
            self.scope[node.var] = saved
        value, cited = self._reduce(node.name, results, unknown)
        if self.trace is not None:
            for touched in cited:
                self.trace.facts.extend(touched)
        return value

    def _forget(self, mark: int) -> list:
        if self.trace is None:
            return []
        touched = self.trace.facts[mark:]
        del self.trace.facts[mark:]
        return touched

    @staticmethod
    def _reduce(name, results, unknown):
        """Aggregate, and say which items' facts the result rests on."""
        values = [v for v, _ in results]
        every = [t for _, t in results]
        if name == "count":
            return (None if unknown else Decimal(len(results))), every
        if name == "first":
            return (results[0][0], [results[0][1]]) if results else (None, [])
        if name == "list":
            return values, every
        if name == "any":
            hits = [t for v, t in results if v is True]
            if hits:
                return True, hits[:1]
            return (None if unknown or None in values else False), every
        if name == "all":
            misses = [t for v, t in results if v is False]
            if misses:
                return False, misses[:1]
            return (None if unknown or None in values else True), every
        if unknown or None in values:
            return None, every
        if name == "sum":
            return sum(values, Decimal(0)), every
        if not values:
            return None, every
        if name == "avg":
            return sum(values, Decimal(0)) / len(values), every
        if name == "min":
            return min(values), every
        if name == "max":
            return max(values), every
        raise ValueError(name)

    def _unary(self, node):
        value = self._eval(node.operand)
        return None if value is None else -value

    def _binary(self, node):
        left, right = self._eval(node.left), self._eval(node.right)
        if left is None or right is None:
            return None
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if right == 0:
            return None  # division by zero: the rule cannot be evaluated, not a crash
        return left / right

    def _compare(self, node):
        return compare(node.op, self._eval(node.left), self._eval(node.right))

    def _logic(self, node):
        results = [self._eval(i) for i in node.items]
        decisive = node.op == "or"  # True decides an or, False decides an and
        if decisive in results:
            return decisive
        return None if None in results else (not decisive)

    def _not(self, node):
        value = self._eval(node.operand)
        return None if value is None else not value

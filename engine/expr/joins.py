"""Comprehensions that pick items by comparing them with the enclosing scope, answered from an index.

    any(c.topic == claim.topic and c.measure == claim.measure and c.value != claim.value
        and c.order < claim.order for c in report.claims)

compares every claim with every other one: n² evaluations of the condition for a report of n claims
(8,000 claims took more than 24 GiB). When a comprehension's predicate (its `if`, or the element of an
`any` without one) is a conjunction of which some terms compare an expression of the item alone with an
expression of the enclosing scope alone, an index of the items, built once per list, names the
*candidates*: the items for which none of those terms is false. Every other item's predicate is false
(Kleene `and`), and such an item is skipped by every evaluator (`if`), or changes nothing in an `any`
but the facts cited when nothing matches (the traced closures then scan every item, as before). The
candidates are taken in list order and evaluated with the whole predicate, so the results are those of
the plain scan; the index only decides which items cannot matter:
- `==` terms: items grouped by their values when those are str, int or finite Decimal; an item with any
  other value (None, NaN, a list) is a candidate for every binding, and so is every item when the
  binding's value is not of those kinds;
- the first `!=` term: runs of items whose value equals the binding's are skipped in one step;
- `<`, `<=`, `>`, `>=` terms whose item side never decreases along the list (claim.order): a bisection.

The closures without an index cache in their scope do the plain scan, which tests/test_joins.py compares
these with. Two differences are by design and invisible in valid runs: an item ruled out is
never evaluated, so an error its predicate would raise is not raised, and a parameter read only by the
predicates of items ruled out is not recorded in the trace (a rule is in force only where every parameter it
uses has a value, Program.in_force, and the trace's parameters only name missing ones).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from heapq import merge

from . import ast as A

INDEXES = " indexes"  # scope key (no identifier can spell it): {index key: Index} of one run or chunk
INDEX_MIN = 48  # shorter lists are scanned: building an index costs more than it saves
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
# an ordered term's op -> how its binding bisects the item values, and whether the candidates end there (else start)
_BISECT = {"<": (bisect_left, True), "<=": (bisect_right, True), ">": (bisect_right, False), ">=": (bisect_left, False)}


@dataclass(frozen=True)
class Term:
    op: str  # with the item's side on the left
    inner: A.Node  # reads the comprehension's variable and nothing else of the scope
    outer: A.Node  # does not read the variable


@dataclass(frozen=True, eq=False)  # by identity: the index cache keys on it
class Plan:
    equal: tuple  # Term
    differ: Term | None
    ordered: tuple  # Term
    in_condition: bool  # the terms come from the `if` (else from the element of an `any`)


def plan_of(node: A.Comprehension, free_roots) -> Plan | None:
    """The index terms of a comprehension over a record's list, or None when it has none.

    free_roots: closures.free_roots (passed in: closures imports this module)."""
    if not isinstance(node.iterable, A.Path) or node.iterable.parts[0] in ("param", "year"):
        return None  # a list computed anew on every call would be indexed on every call
    if node.condition is not None:
        predicate, in_condition = node.condition, True
    elif node.name == "any":
        predicate, in_condition = node.element, False
    else:
        return None
    conjuncts = predicate.items if isinstance(predicate, A.Logic) and predicate.op == "and" else (predicate,)
    equal, differ, ordered = [], [], []
    for term in conjuncts:
        if not isinstance(term, A.Compare) or term.op not in _FLIP:
            continue
        left, right = free_roots(term.left), free_roots(term.right)
        if left == (node.var,) and node.var not in right:
            found = Term(term.op, term.left, term.right)
        elif right == (node.var,) and node.var not in left:
            found = Term(_FLIP[term.op], term.right, term.left)
        else:
            continue
        {"==": equal, "!=": differ}.get(found.op, ordered).append(found)
    if not (equal or differ or ordered):
        return None
    return Plan(tuple(equal), differ[0] if differ else None, tuple(ordered), in_condition)


def _key(value):
    """The value as an index key, or None when equality may not follow hashing (None, NaN, lists, records)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or (kind is Decimal and value.is_finite()):
        return value
    return None


def _keys(values) -> tuple | None:
    keys = tuple(map(_key, values))
    return None if any(k is None for k in keys) else keys


def _sort_kind(value):
    kind = type(value)
    if kind is str:
        return str
    if (kind is int) or (kind is Decimal and value.is_finite()):
        return Decimal
    return None


class Index:
    """One list's items seen through a plan's terms."""

    __slots__ = ("items", "n", "everything", "buckets", "anywhere", "differ", "runs", "ordered", "merged")

    def __init__(self, plan: Plan, items: list, inner_values):
        """inner_values(node) -> [the node's value for each item]."""
        self.items, self.n = items, len(items)
        self.everything = range(self.n)  # one object: run_ends keys on its id
        self.buckets = self.anywhere = None
        if plan.equal:
            columns = [inner_values(term.inner) for term in plan.equal]
            buckets: dict = {}
            anywhere = []
            for position, values in enumerate(zip(*columns)):
                key = _keys(values)
                if key is None:
                    anywhere.append(position)
                else:
                    buckets.setdefault(key, []).append(position)
            self.buckets, self.anywhere = buckets, anywhere
        self.differ = [_key(v) for v in inner_values(plan.differ.inner)] if plan.differ is not None else None
        self.runs: dict = {}  # id(positions) -> (positions, where the run of equal `differ` values ends)
        self.ordered = []  # per ordered term: its values, when they never decrease; else None
        for term in plan.ordered:
            values = inner_values(term.inner)
            kinds = set(map(_sort_kind, values))
            monotone = len(kinds) == 1 and None not in kinds and all(a <= b for a, b in zip(values, values[1:]))
            self.ordered.append((values, kinds.pop()) if monotone else None)
        self.merged: dict = {}  # equal key -> its bucket and the items found anywhere, in list order

    def positions(self, outer_equal: tuple) -> list | range:
        key = None if self.buckets is None else _keys(outer_equal)
        if key is None:
            return self.everything
        found = self.merged.get(key)
        if found is None:
            bucket = self.buckets.get(key, [])
            found = self.merged[key] = list(merge(bucket, self.anywhere)) if self.anywhere else bucket
        return found

    def run_ends(self, positions) -> list:
        """ends[i]: the first j > i whose `differ` value is not that of positions[i] (or is no key)."""
        entry = self.runs.get(id(positions))
        if entry is None:
            values, n = self.differ, len(positions)
            ends = [n] * n
            for i in range(n - 2, -1, -1):
                here, after = values[positions[i]], values[positions[i + 1]]
                ends[i] = i + 1 if here is None or after is None or here != after else ends[i + 1]
            entry = self.runs[id(positions)] = (positions, ends)
        return entry[1]

    def candidates(self, plan: Plan, outer_equal: tuple, outer_differ, outer_ordered: tuple, spend):
        """The positions of the items no index term rules out, in list order. spend(k): k steps taken."""
        positions = self.positions(outer_equal)
        low, high = 0, self.n
        for term, entry, bound in zip(plan.ordered, self.ordered, outer_ordered):
            if entry is None or _sort_kind(bound) is not entry[1]:
                continue
            bisect, ends = _BISECT[term.op]
            if ends:
                high = min(high, bisect(entry[0], bound))
            else:
                low = max(low, bisect(entry[0], bound))
        start, stop = bisect_left(positions, low), bisect_left(positions, high)
        key = _key(outer_differ) if plan.differ is not None else None
        if key is None:
            for i in range(start, stop):
                spend(1)
                yield positions[i]
            return
        values, ends = self.differ, self.run_ends(positions)
        i = start
        while i < stop:
            spend(1)
            position = positions[i]
            if values[position] is not None and values[position] == key:
                i = ends[i]  # the term is false for the whole run
                continue
            yield position
            i += 1


def index_for(cache: dict, plan: Plan, items: list, params, year, inner_values) -> Index:
    """The plan's index of `items` under these parameters, from cache (one evaluation's) or built.

    The entry keeps the list and the parameters, so their ids cannot be reused while it exists."""
    key = (id(plan), id(items), id(params), year)
    entry = cache.get(key)
    if entry is None or entry[0] is not items or entry[1] is not params:
        entry = cache[key] = (items, params, Index(plan, items, inner_values))
    return entry[2]

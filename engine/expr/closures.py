"""Expressions compiled once into Python closures: a subject's values, and what they rest on.

Each node of our own AST becomes a closure (no text is ever compiled or eval'd) whose value is
given by the functions of semantics.py. `compile_traced` closures also record the facts read
(path, value, source, root type) and the parameters used: what a finding cites and what explain
lists; `compile_recorded` closures also keep every node's value (explain's formulas);
`compile_expr` is the traced closure with its record thrown away. Findings, explain and the column
functions' per-element work (columns.py) all run these.

Closures read the scope dict of the subject, with extra keys that no identifier can spell: PARAMS
(parameter values in force) and YEAR (the report year as Decimal), optionally BUDGET, MEMO, VALUES and
joins.INDEXES. Callers run them inside a decimal context with 34 digits of precision.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal
from itertools import repeat

from . import ast as A
from . import joins
from ..core.model import Record
from .functions import FUNCTIONS
from .semantics import AGGREGATES, BINARY, SETTLES, compare, logic, negate, negation, rests_on, to_decimal

PARAMS, YEAR = " params", " year"
BUDGET = " budget"  # in a scope: the engine.core.budget.Budget that comprehensions spend their items from
VALUES = " values"  # in a recorded scope (compile_recorded): id(node) -> its value
MEMO = " memo"  # in a traced scope: {(node shape, ids of its free names' values): (value, facts it added)}


def compile_expr(node: A.Node):
    """A closure scope -> value: the traced closure with its record thrown away. Nothing hot runs these
    (the evaluate stage computes columns, expr/columns.py); they are the per-element work of the columns
    and compute a finding's evidence."""
    traced = compile_traced(node)
    return lambda scope: traced(scope, DISCARD, DISCARD)


# compile_expr's facts and parameters: its callers want the value only. A deque that keeps nothing appends
# at C speed, and being one object it tells a comprehension that no facts are wanted (_t_comprehension).
DISCARD = deque(maxlen=0)


# A traced closure takes (scope, facts, params): facts gets one (path, value, source, root type) tuple per
# fact read (a path's value that is not a record or a list of records), params the parameter names in
# first-use order.

def compile_traced(node: A.Node, shared: set | None = None):
    """A closure (scope, facts, params) -> value, recording the facts and parameters it used.

    shared: the ids of the sub-expressions of `node` that a finding
    computes more than once (a rule's evidence restating its condition's predicate, `list(i.name for i in
    project.indicators if P(i))` beside `any(P(i) for ...)`): with a scope[MEMO], each is computed once per binding
    of its free names and replayed, value and facts, as comprehensions are."""
    if not shared:
        return _TRACERS[type(node)](node, compile_traced)

    def sub(n):
        inner = _TRACERS[type(n)](n, sub)
        return _replayed(inner, n, free_roots(n)) if id(n) in shared else inner

    return sub(node)


def _replayed(inner, node, names: tuple):
    """`inner`, the closure of `node`, computed once per binding of its free `names` in a scope with a MEMO (a
    finding's), and replayed after: the same value and the same facts."""
    shape = None  # an int: equal nodes, equal keys; made at the first memoized call (most closures never are)

    def replayed(scope, facts, params):
        nonlocal shape
        memo = scope.get(MEMO)
        if memo is None or facts is DISCARD:
            return inner(scope, facts, params)
        if shape is None:
            shape = A.shape(node)
        bound = tuple(map(scope.get, names))
        key = (shape, *map(id, bound))
        entry = memo.get(key)
        if entry is not None:
            facts.extend(entry[1])
            return entry[0]
        mark = len(facts)
        value = inner(scope, facts, params)
        memo[key] = (value, facts[mark:], bound)  # the bound values kept: their ids are not reused meanwhile
        return value

    return replayed


def compile_recorded(node: A.Node):
    """compile_traced(node) that also stores every node's value in scope[VALUES] (id(node) -> value), for
    explain's formulas. A node inside a comprehension holds its value for the last item computed; explain
    shows a comprehension by its own value only."""
    inner, key = _TRACERS[type(node)](node, compile_recorded), id(node)

    def recorded(scope, facts, params):
        value = inner(scope, facts, params)
        scope[VALUES][key] = value
        return value

    return recorded


def _t_constant(node, sub):
    value = node.value
    return lambda scope, facts, params: value


def _t_listlit(node, sub):
    items = tuple(sub(i) for i in node.items)
    return lambda scope, facts, params: [f(scope, facts, params) for f in items]


def _t_path(node, sub):
    head, rest = node.parts[0], node.parts[1:]
    if head == "param":
        name = rest[0]  # `param` alone is refused by the checker (expr/check.py), as an unknown function is

        def param(scope, facts, params):
            if name not in params:
                params.append(name)
            return scope[PARAMS].get(name)

        return param
    if head == "year":
        return lambda scope, facts, params: scope[YEAR]
    dotted = ".".join(node.parts)
    if not rest:
        return lambda scope, facts, params: to_decimal(scope.get(head))
    if len(rest) == 1:
        (a,) = rest

        def path1(scope, facts, params):
            owner = scope.get(head)
            if owner is None:
                return None
            return _leaf(facts, dotted, owner, a, owner)

        return path1
    if len(rest) == 2:
        a, b = rest

        def path2(scope, facts, params):
            root = scope.get(head)
            if root is None:
                return None
            owner = getattr(root, a, None)
            if facts is not DISCARD and not (isinstance(owner, Record) or (
                    isinstance(owner, list) and _is_record_or_records(owner))):
                facts.append((dotted, owner, _source(root, a), type(root).__name__))
            if owner is None:
                return None
            return _leaf(facts, dotted, owner, b, root)

        return path2

    def path(scope, facts, params):
        value = scope.get(head)
        root_type = type(value).__name__
        for part in rest:
            if value is None:
                return None
            owner, value = value, getattr(value, part, None)
            if value is None:
                _blank(facts, dotted, owner, part, root_type)
            elif not _is_record_or_records(value):
                facts.append((dotted, value, _source(owner, part), root_type))
        return to_decimal(value)

    return path


def _t_call(node, sub):
    function = FUNCTIONS[node.name][2]
    args = tuple(sub(a) for a in node.args)
    # one, two or three arguments without a list comprehension's frame (Python 3.11): a finding's closures
    # made 120,000 calls at 10,000 generated projects, 30 % of its cost
    if len(args) == 1:
        (a,) = args
        return lambda scope, facts, params: function(a(scope, facts, params))
    if len(args) == 2:
        a, b = args
        return lambda scope, facts, params: function(a(scope, facts, params), b(scope, facts, params))
    if len(args) == 3:
        a, b, c = args
        return lambda scope, facts, params: function(a(scope, facts, params), b(scope, facts, params),
                                                     c(scope, facts, params))
    return lambda scope, facts, params: function(*[a(scope, facts, params) for a in args])


def _t_comprehension(node, sub):
    name, var = node.name, node.var
    iterable, element = sub(node.iterable), sub(node.element)
    condition = sub(node.condition) if node.condition is not None else None
    aggregate = AGGREGATES[name]
    is_first = name == "first"
    stop = SETTLES.get(name, _NEVER)  # an element value that settles the result: the loop ends there
    names = free_roots(node)
    chosen = _candidates(node)

    def comprehension(scope, facts, params):
        items = iterable(scope, facts, params)
        if items is None:
            return None
        candidates = chosen(scope, items) if chosen is not None else None
        if candidates is None:
            _spend(scope, len(items))
            return reduced(scope, items, facts, params)
        if chosen.in_condition or facts is DISCARD:
            return reduced(scope, candidates, facts, params)
        found: list = []
        value = reduced(scope, candidates, found, params)
        if value is True:
            facts.extend(found)
            return value
        # an `any` that matched nothing cites the facts of every item, those ruled out too
        _spend(scope, len(items))
        return reduced(scope, items, facts, params)

    # no condition, and an aggregate resting on every item (semantics.rests_on): the items' facts, in order, are
    # recorded as they are read, without a list per item (sum and avg over a report's projects)
    every = condition is None and not is_first and name not in SETTLES

    def reduced(scope, items, facts, params):
        saved = scope.get(var)
        if every:
            values = []
            try:
                for item in items:
                    scope[var] = item
                    values.append(element(scope, facts, params))
            finally:
                scope[var] = saved
            return aggregate(values, False)
        results = []
        undecided = []  # facts of the items whose condition is unknown: an unknown result rests on them
        try:
            for item in items:
                scope[var] = item
                touched = []  # the item's facts, apart: the reduction decides which items the result rests on
                if condition is not None:
                    keep = condition(scope, touched, params)
                    if keep is None:
                        undecided.append(touched)
                        if is_first and not results:
                            break  # the loop stops at this item
                    if not keep:
                        continue  # items filtered out are not facts the result rests on
                value = element(scope, touched, params)
                results.append((value, touched))
                if value is stop or is_first:
                    break  # the items after it change neither the result nor the facts it rests on
        finally:
            scope[var] = saved
        values = [v for v, _ in results]
        for k in rests_on(name, values):
            facts.extend(results[k][1])
        value = aggregate(values, bool(undecided))
        if value is None:
            for touched in undecided:
                facts.extend(touched)
        return value

    # a finding evaluates a leaf's sums again in its evidence: the same value from the same bindings
    return _replayed(comprehension, node, names) if node.var not in names else comprehension


def _source(owner, name):
    """Asked for only when a field is recorded as a fact, not for each record on a path: Sources makes the
    FactSource (engine/core/model.py), 369,161 times in an evaluation of 10,000 generated projects otherwise."""
    return owner.sources.get(name) if isinstance(owner, Record) else None


def _leaf(facts, dotted: str, owner, name: str, root):
    """The value of `owner.name` at the end of the path `dotted` from `root`: a fact, unless it is a record or a
    list of records. An untraced closure (facts is DISCARD: compile_expr's evidence, the columns' per-element work)
    asks no FactSource: 17 % of a finding without comprehensions was _source for evidence values."""
    value = getattr(owner, name, None)
    kind = type(value)
    if kind is Decimal or kind is str:  # the usual leaf values: a fact, as it is
        if facts is not DISCARD:  # _source inline: a finding's comprehension over 20 projects reads 20 of them
            facts.append((dotted, value, owner.sources.get(name) if isinstance(owner, Record) else None,
                          type(root).__name__))
        return value
    if value is None:
        if facts is not DISCARD:
            _blank(facts, dotted, owner, name, type(root).__name__)
        return None
    if facts is not DISCARD and not (isinstance(value, Record) or (
            isinstance(value, list) and _is_record_or_records(value))):
        facts.append((dotted, value, _source(owner, name), type(root).__name__))
    return to_decimal(value)


def _blank(facts: list, dotted: str, owner, name: str, root_type: str) -> None:
    """A field with no value, and the note of its record's cells that could not be read, if the transcriber left
    one: it says why the value is missing, which a finding that cannot be evaluated quotes (run/evaluate.py)."""
    facts.append((dotted, None, _source(owner, name), root_type))
    note = getattr(owner, "unreadable", None)
    if note is not None and name != "unreadable":
        facts.append((dotted.rpartition(".")[0] + ".unreadable", note, _source(owner, "unreadable"), root_type))


def _is_record_or_records(value) -> bool:
    # map, not a generator: a list of names (departments_involved) is read by every finding citing it
    return isinstance(value, Record) or (isinstance(value, list) and any(map(isinstance, value, repeat(Record))))


def _spend(scope, steps: int) -> None:
    budget = scope.get(BUDGET)
    if budget is not None:
        budget.spend(scope.get("report"), steps)


_NEVER = object()


def _candidates(node):
    """(scope, items) -> the items expr/joins.py's index leaves to look at, in order, or None to scan them
    all; None when the comprehension has no index terms. Carries the plan's in_condition."""
    plan = joins.plan_of(node, free_roots)
    if plan is None:
        return None
    var = node.var
    inners = {id(t.inner): compile_expr(t.inner) for t in plan.equal + plan.ordered + (plan.differ,) if t}
    outer_equal = tuple(compile_expr(t.outer) for t in plan.equal)
    outer_differ = compile_expr(plan.differ.outer) if plan.differ is not None else None
    outer_ordered = tuple(compile_expr(t.outer) for t in plan.ordered)

    def chosen(scope, items):
        cache = scope.get(joins.INDEXES)
        if cache is None or type(items) is not list or len(items) < joins.INDEX_MIN:
            return None
        params, year = scope[PARAMS], scope[YEAR]

        def inner_values(inner):
            value, alone = inners[id(inner)], {PARAMS: params, YEAR: year}
            out = []
            for item in items:
                alone[var] = item
                out.append(value(alone))
            return out

        index = joins.index_for(cache, plan, items, params, year, inner_values)
        budget, report = scope.get(BUDGET), scope.get("report")
        spend = (lambda steps: budget.spend(report, steps)) if budget is not None else _free
        positions = index.candidates(plan, tuple(f(scope) for f in outer_equal),
                                     outer_differ(scope) if outer_differ is not None else None,
                                     tuple(f(scope) for f in outer_ordered), spend)
        return map(items.__getitem__, positions)

    chosen.in_condition = plan.in_condition
    return chosen


def _free(steps):
    pass


def free_roots(node) -> tuple:
    """Names a node reads from its scope that its own comprehensions do not bind (param and year aside)."""
    out = []

    def visit(n, bound):
        if isinstance(n, A.Path):
            head = n.parts[0]
            if head not in bound and head not in ("param", "year") and head not in out:
                out.append(head)
            return
        if isinstance(n, A.Comprehension):
            visit(n.iterable, bound)
            inner = bound | {n.var}
            visit(n.element, inner)
            if n.condition is not None:
                visit(n.condition, inner)
            return
        for child in A.children(n):
            visit(child, bound)

    visit(node, frozenset())
    return tuple(out)


def _t_unary(node, sub):
    """Unary minus and not: semantics' negate and negation of the operand."""
    operand, function = sub(node.operand), negate if type(node) is A.Unary else negation
    return lambda scope, facts, params: function(operand(scope, facts, params))


def _t_binary(node, sub):
    left, right, function = sub(node.left), sub(node.right), BINARY[node.op]
    return lambda scope, facts, params: function(left(scope, facts, params), right(scope, facts, params))


def _t_compare(node, sub):
    left, right, op = sub(node.left), sub(node.right), node.op
    return lambda scope, facts, params: compare(op, left(scope, facts, params), right(scope, facts, params))


def _t_logic(node, sub):
    items = tuple(sub(i) for i in node.items)
    decisive = node.op == "or"
    if len(items) == 2:  # the usual `a and b`, without a list comprehension's frame (as _t_call)
        a, b = items
        return lambda scope, facts, params: logic(decisive, [a(scope, facts, params), b(scope, facts, params)])
    return lambda scope, facts, params: logic(decisive, [f(scope, facts, params) for f in items])


_TRACERS = {
    A.Num: _t_constant, A.Str: _t_constant, A.Const: _t_constant, A.ListLit: _t_listlit, A.Path: _t_path,
    A.Call: _t_call, A.Comprehension: _t_comprehension, A.Unary: _t_unary, A.Binary: _t_binary,
    A.Compare: _t_compare, A.Logic: _t_logic, A.Not: _t_unary,
}

"""Expressions compiled into column functions: one call computes a node for every subject of a frame.

The evaluate stage computes the same few expressions for tens of thousands of subjects of one
kind. Here each node becomes a function of a `Frame` (the subjects' scopes, column by column)
returning a list with one value per subject. No meaning is written here: per element, values come
from semantics.py's functions or the scalar closures (closures.py).

Where the inputs allow it, the per-element work runs in C (`map` with `operator` functions):
paths through `attrgetter` when no intermediate value is None, arithmetic and comparisons when
no operand is None, with the very functions semantics.py's tables name (see the comment above
_unary). Otherwise, and for functions, comprehensions and logic, semantics.py's functions or the
scalar closures are applied per element.

Identical sub-expressions (equal up to positions) share one column per frame: many rules of a
kind read `project.budget.full_year` or divide the same two numbers. A comprehension's value
depends only on the records its free names are bound to, so it is computed once per distinct
binding (the claims of one report share `sum(p.budget.full_year for p in report.projects)`).
Callers run column functions inside a decimal context with 34 digits, as for the closures.
"""
from __future__ import annotations

import operator
import weakref
from bisect import bisect_left
from decimal import Decimal
from itertools import compress, count, product, repeat

from . import ast as A
from . import functions as F
from . import joins
from ..core.budget import BudgetExceeded
from ..core.model import MONEY_TO_WAN
from .closures import BUDGET, PARAMS, YEAR, compile_expr, free_roots
from .functions import FUNCTIONS
from .semantics import (AGGREGATES, ARITHMETIC, BINARY, COMBINE, ORDERING, compare, has_none, logic, negate, negation,
                        to_decimal)


class Frame:
    """The subjects of one kind (or a subset of them) whose columns are computed together.

    Built over the subjects' scope dicts (Subject.scope); columns are cached by node structure,
    and a subset frame takes what its parent already computed."""

    __slots__ = ("n", "params", "year", "_subject_scopes", "subjects", "roots", "cache", "parent", "rows",
                 "_scopes", "subsets", "item_frames", "var", "shared", "__weakref__")

    def __init__(self, subject_scopes: list | None, n: int, params: dict, year: Decimal, parent=None, rows=None,
                 shared: dict | None = None):
        self.n = n
        self.params = params
        self.year = year
        self._subject_scopes = subject_scopes
        self.subjects = None
        self.roots = {}  # name -> the value each subject's scope binds it to
        self.cache = {}
        # weakly: a parent keeps its subsets (self.subsets), and a cycle would outlive the evaluate stage, whose
        # collector is paused (engine/run/gcpause.py), with every record the frame reads; a frame is only used
        # while the frame it came from is
        self.parent = None if parent is None else weakref.proxy(parent)
        self.rows = rows
        self._scopes = None
        self.subsets = {}
        self.item_frames = {}
        self.var = None  # for a comprehension's frame: the name bound to each item (roots[var])
        # comprehension values by binding, shared by the frames of one params and year (see _comprehension)
        self.shared = parent.shared if parent is not None else ({} if shared is None else shared)

    @classmethod
    def of_subjects(cls, subjects: list, params: dict, year: Decimal, roots: dict | None = None,
                    shared: dict | None = None) -> "Frame":
        """A frame over the subjects' scopes, which are read only if a fallback needs them.

        shared: optional dict given to the frames of other kinds with the same params and year, so a
        comprehension over the same records (a report's projects) is computed once for all of them."""
        frame = cls(None, len(subjects), params, year, shared=shared)
        frame.subjects = subjects
        if roots:
            frame.roots.update(roots)
        return frame

    @property
    def subject_scopes(self) -> list:
        if self._subject_scopes is None:
            subjects = self.subjects
            scopes = getattr(subjects, "scopes", None)  # subjects.Subjects: scopes without making subjects
            self._subject_scopes = scopes() if scopes is not None else [subject.scope for subject in subjects]
        return self._subject_scopes

    def root(self, name: str) -> list:
        column = self.roots.get(name)
        if column is None:
            if self.parent is not None:
                column = gather(self.parent.root(name), self.rows)
            else:
                column = [scope.get(name) for scope in self.subject_scopes]
            self.roots[name] = column
        return column

    def scopes(self) -> list:
        """Scalar scopes (a subject's names, PARAMS, YEAR, BUDGET, INDEXES) for per-element fallbacks; built on first use."""
        if self._scopes is None:
            if self.var is not None:
                var = self.var
                self._scopes = [{**scope, var: item}
                                for scope, item in zip(gather(self.parent.scopes(), self.rows), self.roots[var])]
            elif self.parent is not None:
                self._scopes = gather(self.parent.scopes(), self.rows)
            else:
                extra = {PARAMS: self.params, YEAR: self.year, BUDGET: self.shared.get(BUDGET),
                         joins.INDEXES: self.shared.setdefault(joins.INDEXES, {})}
                self._scopes = [{**scope, **extra} for scope in self.subject_scopes]
        return self._scopes

    def subset(self, rows: list) -> "Frame":
        """The frame of some of the subjects (row indices, ascending); one per distinct set of rows."""
        key = tuple(rows)
        frame = self.subsets.get(key)
        if frame is None:
            frame = self.subsets[key] = Frame(None, len(rows), self.params, self.year, self, rows)
        return frame

    def items(self, key, var: str, lists: list) -> tuple:
        """(the frame of a comprehension's items, ends): row k binds `var` to item k of the lists (the column
        `key` of this frame) one after the other, every other name as this frame's row owning it binds it;
        ends[i]: where row i's items end. Its columns are its own (a node may read `var`), shared by the
        comprehensions over the same list with the same variable (six sums read i.weight of project.indicators)."""
        entry = self.item_frames.get((key, var))
        if entry is None:
            owners, flat, ends = [], [], []
            for i, items in enumerate(lists):
                if items is not None:
                    flat.extend(items)
                    owners.extend([i] * len(items))
                ends.append(len(flat))
            frame = Frame(None, len(flat), self.params, self.year, self, owners)
            frame.var = var
            frame.roots[var] = flat
            entry = self.item_frames[(key, var)] = (frame, ends)
        return entry

    def column(self, key, compute) -> list:
        column = self.cache.get(key)
        if column is None:
            parent = self.parent
            if parent is not None and self.var is None and key in parent.cache:
                column = gather(parent.cache[key], self.rows)  # the same values: expressions are pure
            else:
                column = compute(self)
            self.cache[key] = column
        return column


def gather(column: list, rows: list) -> list:
    return [column[i] for i in rows]


def scatter(column: list, rows: list, n: int) -> list:
    """Values of a subset back at their rows of a column of n entries; the other rows unknown."""
    out = [None] * n
    for i, value in zip(rows, column):
        out[i] = value
    return out


_compiled: dict = {}  # node without positions -> column function, shared by every rule and program


def compile_column(node: A.Node):
    """A function Frame -> column, equal per element to closures.compile_expr(node)(scope)."""
    key = A.without_positions(node)
    function = _compiled.get(key)
    if function is None:
        compute = _BUILDERS[type(node)](node)

        def function(frame, key=A.shape(node), compute=compute):
            return frame.column(key, compute)

        _compiled[key] = function
    return function


def _constant(node):
    value = node.value
    return lambda frame: [value] * frame.n


def _decimals(column: list) -> list:
    """semantics.to_decimal of every value (a path's value): Decimal(k) of an int k, made once for small ones
    (分值 and 得分 are YAML integers in most reports: 840,000 of them at 10,000 projects)."""
    types = set(map(type, column))
    ints = [t for t in types if issubclass(t, int) and t is not bool]
    if not ints:
        return column
    if ints != [int]:
        return list(map(to_decimal, column))
    rows = None if len(types) == 1 else list(compress(count(), map(operator.is_, map(type, column), repeat(int))))
    values = column if rows is None else list(map(column.__getitem__, rows))
    try:
        decimals = list(map(_SMALL.__getitem__, values))
    except KeyError:
        decimals = list(map(Decimal, values))
    if rows is None:
        return decimals
    out = list(column)
    for i, value in zip(rows, decimals):
        out[i] = value
    return out


def _attribute(column: list, part: str) -> list:
    """getattr(value, part, None) per element, None staying None."""
    if not hasattr(None, part):  # then a None in the column stops attrgetter, as a missing attribute does
        try:
            return list(map(operator.attrgetter(part), column))
        except AttributeError:
            pass
    return [None if value is None else getattr(value, part, None) for value in column]


def _path(node):
    head, rest = node.parts[0], node.parts[1:]
    if head == "param":
        name = rest[0]
        return lambda frame: [frame.params.get(name)] * frame.n
    if head == "year":
        return lambda frame: [frame.year] * frame.n
    raw = _raw_path(node.parts)
    return lambda frame: _decimals(raw(frame))


def _raw_path(parts: tuple):
    """Frame -> the values a path reaches before int -> Decimal; prefixes are cached columns of their
    own (project.budget is shared by every project.budget.* path)."""
    if len(parts) == 1:
        (head,) = parts
        return lambda frame: frame.root(head)
    prefix, part = _raw_path(parts[:-1]), parts[-1]
    key = ("raw path", parts)
    compute = lambda frame: _attribute(prefix(frame), part)  # noqa: E731
    return lambda frame: frame.column(key, compute)


def _call(node):
    function = FUNCTIONS[node.name][2]
    args = tuple(compile_column(a) for a in node.args)
    if function is F.span:
        (values,) = args
        return lambda frame: _span(values(frame), frame.shared)
    special = _SPECIAL.get(function)
    if special is not None:  # the column version of exactly this built-in
        return lambda frame: special(*[a(frame) for a in args])
    return lambda frame: list(map(function, *[a(frame) for a in args]))


def _present(values: list) -> list:
    # functions._present per element; a Decimal never equals "" (and Decimal's == with a str is slow)
    return [v is not None and (type(v) is Decimal or v != "") for v in values]


def _len(values: list) -> list:
    try:  # one pass where every value has a length below 1024 (len(None) raises): 82 -> 40 ns a value
        return list(map(_SMALL.__getitem__, map(len, values)))
    except (KeyError, TypeError):
        pass
    if not has_none(values):
        return _decimals(list(map(len, values)))
    return [None if v is None else Decimal(len(v)) for v in values]


_SMALL = {k: Decimal(k) for k in range(1024)}  # Decimal(k), made once


def _abs(values: list) -> list:
    if not has_none(values):
        return list(map(abs, values))
    return [None if v is None else abs(v) for v in values]


def _to_wan(values: list) -> list:
    # functions._to_wan per element, without a call per element (an indicator column has 60,000 of them)
    factors = MONEY_TO_WAN
    out = []
    for q in values:
        if q is None or q.value is None:
            out.append(None)
        else:
            factor = factors.get(q.unit)
            out.append(None if factor is None else q.value * factor)
    return out


def _unit(values: list) -> list:
    """functions._unit per element, made once per run of values with the same exponent: it depends on the exponent
    alone (`same_quantum`), and as_tuple makes a named tuple: 75 against 605 ns a value (the rates of a column
    share theirs)."""
    out, unit, last, made = [], F._unit, None, None  # last: a finite Decimal whose unit `made` is
    for x in values:
        if last is None or type(x) is not Decimal or not x.same_quantum(last):
            made = unit(x)
            last = x if type(x) is Decimal and x.is_finite() else None
        out.append(made)
    return out


def _satisfies(projects: list, wheres: list) -> list:
    """functions._satisfies per element. It compares the project's field with the filter's value in all six
    ways (any of which may raise) and keeps one; between finite numbers none raises, so only that one is made."""
    out = [None] * len(wheres)
    field_value, slow = F.filter_value, F._satisfies
    for i in compress(count(), map(operator.is_not, wheres, repeat(None))):  # without a filter: None
        project, where = projects[i], wheres[i]
        value = field_value(project, where.field)
        if value is None:
            continue
        target, op = where.value, where.op
        function = ORDERING.get(op) if type(op) is str else None
        if function is not None and type(value) is Decimal and value.is_finite() and (
                type(target) is int or (type(target) is Decimal and target.is_finite())):
            out[i] = function(value, target)
        else:
            out[i] = slow(project, where)
    return out


def _span(values: list, shared: dict) -> list:
    """span per element, once per value object and once per printed figure (str tells 5 from 5.0, whose spans
    differ) in the frames sharing `shared` (a chunk of reports): at 10,000 projects 195,000 values are spanned,
    122,000 of them objects spanned before (a budget figure at its project and in its report's sums) and most
    scores figures printed before."""
    memo = shared.get(_SPANS)
    if memo is None:
        memo = shared[_SPANS] = ({}, {}, [])
    by_id, by_text, kept = memo  # kept: the objects by_id names, whose ids cannot be reused while it lives
    get, out = by_id.get, []
    for x in values:
        value = get(id(x))
        if value is None and x is not None:
            if type(x) is Decimal:
                key = str(x)
                value = by_text.get(key)
                if value is None:
                    value = by_text[key] = F.span(x)
            else:
                value = F.span(x)
            by_id[id(x)] = value
            kept.append(x)
        out.append(value)
    return out


_SPANS = object()  # key of the span memo in Frame.shared


def _per_text(function, texts: list, fixed: list, fixed_first: bool) -> list:
    """function of a text and of a value the same in every row (a parameter, a literal list), once per distinct
    text: indicator names and categories repeat down a column (contains and head_lookup search every word)."""
    args = (fixed, texts) if fixed_first else (texts, fixed)
    if not texts or fixed.count(fixed[0]) != len(fixed):
        return list(map(function, *args))
    same, values, out = fixed[0], {}, []
    try:
        for text in texts:
            value = values.get(text, values)
            if value is values:
                value = values[text] = function(same, text) if fixed_first else function(text, same)
            out.append(value)
    except TypeError:  # a value that cannot be a key
        return list(map(function, *args))
    return out


# the built-in's body in functions.py -> its column version
_SPECIAL = {F._present: _present, F._len: _len, F._abs: _abs, F._to_wan: _to_wan, F._satisfies: _satisfies,
            F._unit: _unit,
            F._contains: lambda texts, words: _per_text(F._contains, texts, words, False),
            F._head_lookup: lambda mappings, texts: _per_text(F._head_lookup, texts, mappings, True)}


def _listlit(node):
    items = tuple(compile_column(i) for i in node.items)
    if not items:
        return lambda frame: [[] for _ in range(frame.n)]
    return lambda frame: list(map(list, zip(*[f(frame) for f in items])))


def _comprehension(node):
    scalar = compile_expr(node)
    names = free_roots(node)
    if node.var in names:  # the variable also names a value of the scope: the scalar closure on every subject
        return lambda frame: list(map(scalar, frame.scopes()))
    items_of = _items(node, scalar)
    iterable = compile_column(node.iterable) if joins.plan_of(node, free_roots) is not None else None

    key = ("comprehension", A.shape(node))  # in Frame.shared beside other memos

    def columnwise(frame):
        try:
            return items_of(frame)
        except BudgetExceeded:
            raise
        except Exception:
            # the columns also test items the scalar loop never reaches (after `first` stops at an unknown);
            # where that raises, the scalar loop decides whether computing the subject's value does
            return list(map(scalar, frame.scopes()))

    def compute(frame):
        if iterable is None:
            return columnwise(frame)
        # rows with long lists: one subject at a time, the index (expr/joins.py) naming the items to look at;
        # the columns would hold every item of every row at once
        lists = iterable(frame)
        long = [i for i, items in enumerate(lists) if items is not None and len(items) >= joins.INDEX_MIN]
        if not long:
            return columnwise(frame)
        scopes = frame.scopes()
        out = scatter([scalar(scopes[i]) for i in long], long, frame.n)
        if len(long) < frame.n:
            short = sorted(set(range(frame.n)).difference(long))
            for i, value in zip(short, columnwise(frame.subset(short))):
                out[i] = value
        return out

    def comprehension(frame):
        # the result depends only on the objects the free names are bound to: once per distinct binding,
        # for all frames sharing `frame.shared` (the frames of all kinds of subjects of one year and chunk);
        # a binding is the id of the one object bound (most comprehensions have one free name) or a tuple of ids
        if len(names) == 1:
            keys = list(map(id, frame.root(names[0])))
        else:
            keys = list(zip(*[map(id, frame.root(name)) for name in names])) if names else [()] * frame.n
        memo = frame.shared.get(key)
        if memo is None:
            memo = frame.shared[key] = ({}, [])
        values_of, kept = memo  # kept: the bound objects, whose ids cannot be reused while the memo lives
        if frame.n and len(dict.fromkeys(keys)) == frame.n and values_of.keys().isdisjoint(keys):
            values = compute(frame)  # each row its own binding, none seen before (a project's indicators)
            values_of.update(zip(keys, values))
            kept.extend(frame.root(name) for name in names)
            return values
        missing = {}
        for i, binding in enumerate(keys):
            if binding not in values_of and binding not in missing:
                missing[binding] = i
        if missing:
            rows = list(missing.values())
            values_of.update(zip(missing, compute(frame if len(rows) == frame.n else frame.subset(rows))))
            kept.extend(gather(frame.root(name), rows) for name in names)
        return list(map(values_of.__getitem__, keys))

    return comprehension


def _items(node, scalar):
    """Frame -> the comprehension's column, its condition and element computed over all items of all rows;
    scalar: the comprehension's closure."""
    name, var = node.name, node.var
    iterable, element = compile_column(node.iterable), compile_column(node.element)
    condition = compile_column(node.condition) if node.condition is not None else None
    reduce, known, is_first = AGGREGATES[name], COMBINE.get(name), name == "first"
    key = A.shape(node.iterable)

    def items_of(frame):
        lists = iterable(frame)
        budget = frame.shared.get(BUDGET)
        if budget is not None:  # before the items are gathered: a report over budget is refused, not run
            budget.spend_rows(frame.root("report"), [0 if items is None else len(items) for items in lists])
        inner, ends = frame.items(key, var, lists)
        if condition is None:
            values = element(inner)
            if known is not None and not has_none(values):  # no element unknown: no test per row
                return [None if items is None else known(values[start:end])
                        for items, start, end in zip(lists, [0] + ends, ends)]
            return [None if items is None else reduce(values[start:end], False)
                    for items, start, end in zip(lists, [0] + ends, ends)]
        keep = condition(inner)
        kept = list(compress(count(), keep))  # as `if not keep: continue`
        values = element(inner.subset(kept)) if len(kept) < inner.n else element(inner)
        # the rows with an item whose condition is unknown
        owners = inner.rows
        unknown = {owners[k] for k in compress(count(), map(operator.is_, keep, repeat(None)))}
        if known is not None and not unknown and not has_none(values):  # no element unknown: no test per row
            bounds = [bisect_left(kept, end) for end in ends]
            return [None if items is None else known(values[low:high])
                    for items, low, high in zip(lists, [0] + bounds, bounds)]
        out = []
        low = 0
        for row, (items, end) in enumerate(zip(lists, ends)):
            high = bisect_left(kept, end, low)
            if items is None:
                out.append(None)
            elif is_first and row in unknown:
                # where `first` meets an item whose condition is unknown, the scalar loop says what it means
                out.append(scalar(frame.scopes()[row]))
            else:
                out.append(reduce(values[low:high], row in unknown))
            low = high
        return out

    return items_of


# The fast paths below map ARITHMETIC's and ORDERING's functions (semantics.py) over columns that hold no None (and
# no zero divisor), and look and/or/not up in tables of semantics.logic's and negation's values (_KLEENE, _NOT): there
# the semantics functions compute exactly those values; every other column goes through them element by element.

def _unary(node):
    """Unary minus, and not (which has no fast path)."""
    operand = compile_column(node.operand)
    if type(node) is A.Not:
        return lambda frame: not_column(operand(frame))

    def unary(frame):
        values = operand(frame)
        return list(map(negate if has_none(values) else operator.neg, values))

    return unary


def _binary(node):
    left, right, op = compile_column(node.left), compile_column(node.right), node.op
    known, function = ARITHMETIC[op], BINARY[op]

    def binary(frame):
        a, b = left(frame), right(frame)
        # a divisor column whose values are all true holds neither None nor 0 (`0 in` compares: 49 ns a Decimal)
        if not has_none(a) and (all(b) if op == "/" else not has_none(b)):
            return list(map(known, a, b))
        return list(map(function, a, b))

    return binary


def compare_columns(op: str, a: list, b: list) -> list:
    """compare(op, a[i], b[i]) for every i."""
    function = ORDERING.get(op)
    if not has_none(a) and not has_none(b):
        if function is not None:
            return list(map(function, a, b))
        if op == "in":  # `left in right` is operator.contains(right, left)
            return list(map(operator.contains, b, a))
    return list(map(compare, repeat(op), a, b))


def _compare(node):
    left, right, op = compile_column(node.left), compile_column(node.right), node.op
    return lambda frame: compare_columns(op, left(frame), right(frame))


def logic_columns(decisive: bool, columns: list) -> list:
    """semantics.logic (Kleene and / or) of the columns, row by row."""
    table = _KLEENE.get((decisive, len(columns)))
    if table is None and len(columns) <= 5:
        table = _KLEENE[(decisive, len(columns))] = {
            values: logic(decisive, values) for values in product(_TRUTH, repeat=len(columns))}
    if table is not None:
        try:
            return list(map(table.__getitem__, zip(*columns)))
        except (KeyError, TypeError):  # a value other than True, False and None (or one equal to them)
            pass
    return list(map(logic, repeat(decisive), zip(*columns)))


def not_column(values: list) -> list:
    try:
        return list(map(_NOT.__getitem__, values))
    except (KeyError, TypeError):
        return list(map(negation, values))


# semantics.logic and negation of every combination of truth values, looked up a row at a time at C speed (a
# third of the time of the Python call per row, half of that of a bool-only column's check). A value equal to
# one of them (1, Decimal(0)) finds its entry, which is right: logic and negation test values by == and truth.
_TRUTH = (True, False, None)
_KLEENE: dict = {}  # (decisive, number of columns) -> {row: logic(decisive, row)}
_NOT = {value: negation(value) for value in _TRUTH}


def _logic(node):
    items = tuple(compile_column(i) for i in node.items)
    decisive = node.op == "or"
    return lambda frame: logic_columns(decisive, [f(frame) for f in items])


_BUILDERS = {
    A.Num: _constant, A.Str: _constant, A.Const: _constant, A.ListLit: _listlit, A.Path: _path, A.Call: _call,
    A.Comprehension: _comprehension, A.Unary: _unary, A.Binary: _binary, A.Compare: _compare, A.Logic: _logic,
    A.Not: _unary,
}

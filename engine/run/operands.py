"""Operands of compiled rules for the evaluate stage: column functions (expr/columns.py) built once per program.

`rule_batches` computes each leaf over all subjects of a kind at once (RuleColumns);
tests/row_reference.py computes the same subject by subject with scalar closures, the reference
tests/test_columns.py compares it with.

For each rule, the leaves of its `when` tree are computed first. When they decide `when` is
false, the rule is not applicable whatever its condition says, so the condition's operands
(often sums and counts over every project of the report) are not computed: those leaves get
unknown values, which every backend reads as "no value" (the durable adapter leaves the keys
out of the fact; it still decides "not applicable" itself, from the `when` keys). Otherwise
every leaf is computed. Column-wise, the condition
is computed on the frame of the rows whose `when` is not false and handed over at those rows (RuleBatch.rows).
"""
from __future__ import annotations

from decimal import Decimal
from itertools import compress, count, repeat
from operator import is_not

from ..backends.batch import RuleBatch
from ..backends.python import decide_column
from ..construct.compile import leaves_of
from ..core.budget import BudgetExceeded
from ..expr.closures import BUDGET
from ..expr.columns import Frame, compile_column
from .subjects import subjects_by_kind


class RuleColumns:
    """A rule's leaves as column functions (expr/columns.py): `when` leaves, then the others."""

    __slots__ = ("compiled", "when_leaves", "condition_leaves", "compact")

    def __init__(self, compiled):
        def sides(leaf):
            nodes = (leaf.node,) if leaf.op is None else (leaf.left, leaf.right)
            return leaf.index, tuple(compile_column(node) for node in nodes)

        self.compiled = compiled
        when_leaves = leaves_of(compiled.when) if compiled.when is not None else []
        in_when = {leaf.index for leaf in when_leaves}
        self.when_leaves = tuple(sides(leaf) for leaf in when_leaves)
        self.condition_leaves = tuple(sides(leaf) for leaf in compiled.leaves if leaf.index not in in_when)
        self.compact = tuple(index for index, _ in self.condition_leaves)

    def batch(self, frame, subjects) -> RuleBatch:
        """The rule's RuleBatch over the frame's subjects; a condition is computed only where `when` is not false,
        and handed over at those rows alone (RuleBatch.rows)."""
        compiled = self.compiled
        columns = [None] * len(compiled.leaves)
        for index, functions in self.when_leaves:
            columns[index] = tuple(f(frame) for f in functions)
        rows = when = None  # the rows whose `when` is not false (None: every row)
        if compiled.when is not None:
            when = decide_column(compiled.when, columns)
            rows = list(compress(count(), map(is_not, when, repeat(False))))
            if len(rows) == frame.n:
                rows = None
        on = frame if rows is None else frame.subset(rows) if rows else None
        for index, functions in self.condition_leaves:
            columns[index] = tuple(f(on) for f in functions) if on is not None else tuple([] for _ in functions)
        return RuleBatch(compiled, subjects, columns, when, rows, self.compact)


_last_columns = (None, None)


def column_plan(program) -> dict:
    """id(CompiledRule) -> RuleColumns, for every rule of the program."""
    global _last_columns
    entry = _last_columns
    if entry[0] is not program:
        entry = _last_columns = (program, {id(compiled): RuleColumns(compiled) for compiled in program.rules})
    return entry[1]


def rule_batches(program, reports, params: dict, scope, budget=None, wanted=None) -> list:
    """RuleBatch per rule in force for `scope` (a ReportScope) and subject kind, over the subjects of
    `reports` (all of that scope).

    Columns are computed a node at a time over all subjects of a kind (expr/columns.py); the lists
    handed out are the frame's cached columns, shared by the rules that read the same node: read-only
    (engine/backends/batch.py). budget: an engine.core.budget.Budget the comprehensions spend from; a report going over
    it is refused (InputError) naming the rule being computed. wanted: optional set of rule ids, the others
    are left out."""
    plan = column_plan(program)
    year_decimal = Decimal(scope.year)
    batches = []
    shared: dict = {}  # the kinds' frames share comprehension values (a report's sums serve its claims too)
    if budget is not None:
        shared[BUDGET] = budget
    for kind, (subjects, roots) in subjects_by_kind(reports).items():
        rules = program.for_subject(kind, scope)
        if wanted is not None:
            rules = [compiled for compiled in rules if compiled.rule.id in wanted]
        if not rules:
            continue
        frame = Frame.of_subjects(subjects, params, year_decimal, roots, shared)
        for compiled in rules:
            try:
                batches.append(plan[id(compiled)].batch(frame, subjects))
            except BudgetExceeded as exc:
                raise exc.refusal(compiled.rule) from None
    return batches

"""The evaluate stage subject by subject: the reference tests/test_columns.py holds the column-wise stage to.

`rule_batches_by_row` is what operands.rule_batches computes, one subject at a time with the scalar
closures (expr/closures.py), with the rule for `when`: where `when` is false the condition's leaves are not
computed. `leaf_values` is every leaf of a rule on one subject, as a backend's `outcomes` takes them.
`decide_batches_by_row` is PythonBackend.decide_batches with `decide` row by row. None is used by the engine.
"""
from __future__ import annotations

from decimal import Decimal, localcontext

from engine.backends import FIRED, UNKNOWN, outcome_of
from engine.backends.batch import Decision, RuleBatch
from engine.backends.python import decide
from engine.construct.compile import leaves_of
from engine.expr.closures import PARAMS, YEAR, compile_expr
from engine.expr.columns import Frame
from engine.run.subjects import subjects_of


def scope_for(subject_scope: dict, params: dict, year_decimal: Decimal) -> dict:
    """A subject's scope as the scalar closures read it (expr/closures.py)."""
    return {**subject_scope, PARAMS: params, YEAR: year_decimal}


def frame_of_scopes(subject_scopes: list, params: dict, year: Decimal) -> Frame:
    """A column frame (expr/columns.py) over plain scopes rather than subjects."""
    return Frame(subject_scopes, len(subject_scopes), params, year)


_closures: dict = {}  # id(node) -> (node, its closure); the entry keeps the node, so the id stays its own


def _closure(node):
    """compile_expr(node), compiled once per node rather than once per subject (leaf_values runs for every rule
    on every subject: 234,000 compilations of the suite's 8,000 leaves)."""
    entry = _closures.get(id(node))
    if entry is None or entry[0] is not node:
        if len(_closures) > 50_000:  # random rules (hypothesis) make new nodes without end
            _closures.clear()
        entry = _closures[id(node)] = (node, compile_expr(node))
    return entry[1]


def leaf_values(compiled, subject, params: dict) -> list:
    """Every leaf's operands of a rule on a subject: [(value,) or (left, right)] by Leaf.index."""
    scope = scope_for(subject.scope, params, Decimal(subject.report.year))
    with localcontext() as ctx:
        ctx.prec = 34
        sides = [(leaf.node,) if leaf.op is None else (leaf.left, leaf.right) for leaf in compiled.leaves]
        return [tuple(_closure(node)(scope) for node in nodes) for nodes in sides]


def _leaf(leaf):
    """(index, closure computing the leaf's value tuple, the tuple that stands for "not computed")."""
    if leaf.op is None:
        node = _closure(leaf.node)
        return leaf.index, (lambda scope: (node(scope),)), (None,)
    left, right = _closure(leaf.left), _closure(leaf.right)
    return leaf.index, (lambda scope: (left(scope), right(scope))), (None, None)


class RuleOperands:
    def __init__(self, compiled):
        self.size = len(compiled.leaves)
        self.when = compiled.when
        when_leaves = leaves_of(compiled.when) if compiled.when is not None else []
        in_when = {leaf.index for leaf in when_leaves}
        self.when_leaves = tuple(_leaf(leaf) for leaf in when_leaves)
        self.condition_leaves = tuple(_leaf(leaf) for leaf in compiled.leaves if leaf.index not in in_when)

    def values(self, scope) -> list:
        """The leaf values list a backend's `outcomes` expects, indexed by Leaf.index."""
        values = [None] * self.size
        for index, compute, _ in self.when_leaves:
            values[index] = compute(scope)
        if self.when is not None and decide(self.when, values) is False:
            for index, _, absent in self.condition_leaves:
                values[index] = absent
        else:
            for index, compute, _ in self.condition_leaves:
                values[index] = compute(scope)
        return values


def rule_batches_by_row(program, reports, params: dict, scope) -> list:
    """operands.rule_batches, computed subject by subject and then transposed into columns."""
    by_kind: dict = {}
    for report in reports:
        for subject in subjects_of(report):
            by_kind.setdefault(subject.kind, []).append(subject)
    year_decimal = Decimal(scope.year)
    batches = []
    for kind, subjects in by_kind.items():
        rules = program.for_subject(kind, scope)
        if not rules:
            continue
        scopes = [scope_for(s.scope, params, year_decimal) for s in subjects]
        for compiled in rules:
            operands = RuleOperands(compiled)
            rows = [operands.values(scope) for scope in scopes]
            columns = [tuple(list(side) for side in zip(*(row[leaf.index] for row in rows)))
                       for leaf in compiled.leaves]
            batches.append(RuleBatch(compiled, subjects, columns))
    return batches


def decide_batches_by_row(batches) -> list:
    """PythonBackend.decide_batches with `decide`, one row at a time."""
    out = []
    for b, batch in enumerate(batches):
        compiled = batch.compiled
        when, condition = compiled.when, compiled.condition
        for i in range(len(batch.subjects)):
            values = [tuple(column[i] for column in leaf) for leaf in batch.columns]  # as `decide` reads them
            outcome = outcome_of(decide(when, values) if when is not None else True, decide(condition, values))
            if outcome in (FIRED, UNKNOWN):
                out.append(Decision(b, i, outcome))
    return out

"""Pure-Python backend: decides the boolean trees with exact comparisons and Kleene logic."""
from __future__ import annotations

from itertools import compress, count, repeat
from operator import is_, is_not, or_

from ..construct.compile import Leaf, Not, Or
from ..expr.columns import compare_columns, logic_columns, not_column
from ..expr.semantics import compare, has_none, logic, negation
from .base import outcome_of
from .batch import Decision


def _decider(compare, negation, logic):
    """`decide` of leaf values (one subject's, or whole columns) by the given comparison, negation and logic."""

    def decide(tree, leaf_values):
        if isinstance(tree, Leaf):
            value = leaf_values[tree.index]
            if tree.op is None:
                return value[0]
            return compare(tree.op, value[0], value[1])
        if isinstance(tree, Not):
            return negation(decide(tree.item, leaf_values))
        return logic(isinstance(tree, Or), [decide(item, leaf_values) for item in tree.items])

    return decide


decide = _decider(compare, negation, logic)
decide_column = _decider(compare_columns, not_column, logic_columns)  # `decide` for every row of a batch at once


def decisions_of(b: int, when, condition, rows=None) -> list:
    """Decision for every row whose outcome_of(when, condition) is fired or cannot-evaluate; when None: always.
    rows: the rows (ascending) `condition` holds values for, one each; None: every row."""
    # candidates picked at C speed: most rows pass (condition False) or do not apply (when False)
    candidates = map(is_not, condition, repeat(False))
    if when is None:
        return [Decision(b, i, outcome_of(True, condition[i])) for i in compress(count(), candidates)]
    if rows is not None:
        unknown = map(is_, map(when.__getitem__, rows), repeat(None))
        return [Decision(b, rows[k], outcome_of(when[rows[k]], condition[k]))
                for k in compress(count(), map(or_, candidates, unknown))]
    candidates = map(or_, candidates, map(is_, when, repeat(None)))
    return [Decision(b, i, outcome_of(when[i], condition[i])) for i in compress(count(), candidates)
            if when[i] is not False]


class PythonBackend:
    name = "python"

    def __init__(self, program):
        self.program = program

    def outcomes(self, subject, items) -> dict:
        """items: [(CompiledRule, leaf_values)] for one subject -> {rule id: outcome}."""
        return {compiled.rule.id: outcome_of(decide(compiled.when, values) if compiled.when is not None else True,
                                             decide(compiled.condition, values)) for compiled, values in items}

    def decide_batches(self, batches) -> list:
        """[RuleBatch] -> [Decision] for every subject a rule fired on or cannot evaluate."""
        out = []
        for b, batch in enumerate(batches):
            compiled, columns, when = batch.compiled, batch.given, batch.when
            if compiled.when is None:
                out.extend(decisions_of(b, None, decide_column(compiled.condition, columns)))
            elif when is None:  # a batch made without the operand stage's `when`: every leaf over every row
                out.extend(decisions_of(b, decide_column(compiled.when, columns),
                                        decide_column(compiled.condition, columns)))
            elif batch.rows is None:  # `when` is not false on any row; where it is true on every row, as if absent
                condition = decide_column(compiled.condition, columns)
                out.extend(decisions_of(b, when if has_none(when) else None, condition))
            elif batch.rows:  # the condition's leaves hold values at these rows only
                out.extend(decisions_of(b, when, decide_column(compiled.condition, columns), batch.rows))
        return out

    def close(self):
        pass

"""Pure-Python backend: decides the boolean trees with exact comparisons and Kleene logic."""
from __future__ import annotations

from ..compile import Leaf, Not, Or
from ..expr.evaluate import compare
from ..batch import Decision
from . import FIRED, UNKNOWN, outcome_of


def decide(tree, leaf_values):
    if isinstance(tree, Leaf):
        value = leaf_values[tree.index]
        if tree.op is None:
            return value[0]
        return compare(tree.op, value[0], value[1])
    if isinstance(tree, Not):
        inner = decide(tree.item, leaf_values)
        return None if inner is None else not inner
    results = [decide(item, leaf_values) for item in tree.items]
    decisive = isinstance(tree, Or)
    if decisive in results:
        return decisive
    return None if None in results else (not decisive)


class PythonBackend:
    name = "python"

    def __init__(self, program):
        self.program = program

    def outcomes(self, subject, items) -> dict:
        """items: [(CompiledRule, leaf_values)] for one subject -> {rule id: outcome}."""
        out = {}
        for compiled, values in items:
            when = decide(compiled.when, values) if compiled.when is not None else True
            out[compiled.rule.id] = outcome_of(when, decide(compiled.condition, values))
        return out

    def decide_batches(self, batches) -> list:
        """[RuleBatch] -> [Decision] for every subject a rule fired on or cannot evaluate."""
        out = []
        for b, batch in enumerate(batches):
            compiled = batch.compiled
            when, condition = compiled.when, compiled.condition
            for i in range(len(batch.subjects)):
                values = batch.row(i)
                outcome = outcome_of(decide(when, values) if when is not None else True, decide(condition, values))
                if outcome in (FIRED, UNKNOWN):
                    out.append(Decision(b, i, outcome))
        return out

    def close(self):
        pass

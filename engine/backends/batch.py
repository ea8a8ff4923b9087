"""The evaluate stage's unit of work between operands and backends: one rule over many subjects.

The operand stage computes, for every rule in force and every subject of the rule's kind in one
report year, the values of the rule's leaves, column by column; a backend decides the boolean
trees on those columns and names the subjects for which the rule fired or cannot be evaluated.
Columns (rather than one dict per subject) let both sides work a whole column in one pass.
"""
from __future__ import annotations

from typing import NamedTuple

from ..expr.columns import scatter


class RuleBatch:
    """compiled: the compile.CompiledRule. subjects: subjects.Subject, all of the rule's kind and one year; one
    sequence shared by that kind's batches (group batches by its id()). A subjects.Subjects for the report,
    project, indicator and claim kinds: len() and [i] as a list's, each Subject made on first access (most
    subjects never make a finding).

    given: indexed by Leaf.index, (values,) for a boolean leaf, (lefts, rights) for a comparison, None meaning
    unknown; each list has one entry per subject, but for the leaves named in `compact`, which hold one entry per
    row of `rows` (ascending: the rows whose `when` the operand stage found not false) and are unknown elsewhere.
    `columns` is every leaf with one entry per subject (made on first use: the Python backend reads `given` and
    `rows`, and spares the scatter and the gather back; durable_rules and coverage read `columns`). Read-only:
    a list may be shared by several batches (rules reading the same expression) and another batch's leaf.

    when: the `when` tree decided per subject (backends/python.decide_column) where the operand stage decided it
    to spare the condition's leaves; None otherwise. The Python backend takes it instead of deciding it again."""

    __slots__ = ("compiled", "subjects", "given", "when", "rows", "compact", "_columns")

    def __init__(self, compiled, subjects, columns: list, when: list | None = None, rows: list | None = None,
                 compact: tuple = ()):
        self.compiled, self.subjects, self.given, self.when = compiled, subjects, columns, when
        self.rows, self.compact = rows, compact if rows is not None else ()
        self._columns = columns if not self.compact else None

    @property
    def columns(self) -> list:
        if self._columns is None:
            full, rows, n = list(self.given), self.rows, len(self.subjects)
            for index in self.compact:
                full[index] = tuple(scatter(values, rows, n) for values in full[index])
            self._columns = full
        return self._columns


class Decision(NamedTuple):
    """A subject for which a rule fired or cannot be evaluated; the other outcomes make no finding. A named
    tuple: one is made per finding, in a step instead of a frozen dataclass's three attribute stores."""

    batch: int  # index into the batches given to the backend
    row: int  # index into that batch's subjects
    outcome: str  # backends.FIRED or backends.UNKNOWN

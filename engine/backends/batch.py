"""The evaluate stage's unit of work between operands and backends: one rule over many subjects.

The operand stage computes, for every rule in force and every subject of the rule's kind in one
report year, the values of the rule's leaves, column by column; a backend decides the boolean
trees on those columns and names the subjects for which the rule fired or cannot be evaluated.
Columns (rather than one dict per subject) let both sides work a whole column in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class RuleBatch:
    compiled: object  # compile.CompiledRule
    # subjects.Subject, all of the rule's kind and one year; one sequence shared by that kind's batches
    # (group batches by its id()). A subjects.Subjects for the report, project, indicator and claim kinds:
    # len() and [i] as a list's, each Subject made on first access (most subjects never make a finding).
    subjects: list
    # Indexed by Leaf.index: (values,) for a boolean leaf, (lefts, rights) for a comparison; each list
    # has one entry per subject, None meaning unknown. Where a rule's `when` is false the condition's
    # leaves may be None: the outcome is "not applicable" whatever they hold. Read-only: a list may be
    # shared by several batches (rules reading the same expression) and another batch's leaf.
    columns: list
    # The `when` tree decided per subject (backends/python.decide_column) where the operand stage decided it to
    # spare the condition's leaves; None otherwise. The Python backend takes it instead of deciding it again.
    when: list | None = None


class Decision(NamedTuple):
    """A subject for which a rule fired or cannot be evaluated; the other outcomes make no finding. A named
    tuple: one is made per finding, in a step instead of a frozen dataclass's three attribute stores."""

    batch: int  # index into the batches given to the backend
    row: int  # index into that batch's subjects
    outcome: str  # backends.FIRED or backends.UNKNOWN

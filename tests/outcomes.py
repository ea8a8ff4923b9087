"""Per-rule outcomes for every rule x subject, on a chosen backend.

Findings only show rules that fired or could not be evaluated; tests that must tell `passed`
from `not-applicable`, or compare backends rule by rule, drive the backend the way
engine.run.evaluate.evaluate does and keep every outcome.
"""
from __future__ import annotations

from engine.backends import make_backend
from engine.run.evaluate import params_for
from engine.run.subjects import subjects_of

from .row_reference import leaf_values


def rule_outcomes(program, reports, backend: str) -> dict:
    """{(rule id, subject key): outcome} for every rule in force on every subject."""
    engine = make_backend(backend, program)
    out = {}
    try:
        for report in reports:
            scope = program.ruleset.scope_of(report)
            params = params_for(program.ruleset, scope)
            for subject in subjects_of(report):
                rules = program.for_subject(subject.kind, scope)
                if not rules:
                    continue
                items = [(compiled, leaf_values(compiled, subject, params)) for compiled in rules]
                for rule_id, outcome in engine.outcomes(subject, items).items():
                    out[(rule_id, subject.key)] = outcome
    finally:
        engine.close()
    return out


def outcome_for(outcomes: dict, rule_id: str, project_index: int | None = None, indicator: int | None = None):
    """The outcome of one rule on the report (no index), a project, or a project's indicator."""
    matches = {key: value for key, value in outcomes.items() if key[0] == rule_id}
    for (_, subject_key), value in matches.items():
        parts = subject_key.split("|")[2:]
        wanted = ["report"] if project_index is None else [f"p{project_index}"]
        if indicator is not None:
            wanted.append(f"i{indicator}")
        if parts == wanted:
            return value
    raise KeyError((rule_id, project_index, indicator, sorted(matches)))

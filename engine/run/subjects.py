"""What a rule is evaluated on: the report, each project, each indicator, each prose claim, and each
commitment an earlier report made that falls due in this report's year (one subject per project it names)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter

from ..core.catalog import SUBJECT_SCOPES
from ..core.model import CommitmentTarget, Report


@dataclass(frozen=True)
class Subject:
    kind: str  # report / project / indicator / claim / commitment
    key: str  # stable and unique across a run
    report: Report
    scope: dict  # names visible to the rule's expressions
    project: str | None  # project name, None for report-level subjects
    label: str  # what the finding is about, for people (indicator name, claim id ...)


_new, _set = object.__new__, object.__setattr__


def _subject(kind, key, report, scope, project, label) -> Subject:
    """Subject(...) without the frozen dataclass __init__'s six object.__setattr__ calls (75,000 subjects a run)."""
    subject = _new(Subject)
    _set(subject, "__dict__", {"kind": kind, "key": key, "report": report, "scope": scope, "project": project,
                               "label": label})
    return subject


def subjects_of(report: Report) -> list[Subject]:
    out = [_report_subject(report)]
    for i, project in enumerate(report.projects):
        out.append(_project_subject(project, report, i))
        out.extend(_indicator_subject(indicator, project, report, i, j)
                   for j, indicator in enumerate(project.indicators))
    out.extend(_claim_subject(claim, report) for claim in report.claims)
    out.extend(commitment_subjects(report))
    return out


def subjects_by_kind(reports: list) -> dict:
    """kind -> (the subjects of that kind of `reports` in report order then subjects_of order, as a
    `Subjects` sequence, {name: [subject.scope[name] for each subject]}): the scopes' values column by
    column, as the evaluate stage reads them (engine/expr/columns.py).
    The same subjects as subjects_of (tests/test_columns.py); at 10,000 projects a run has 75,000 of them
    and only a few thousand become findings, so each Subject is made when it is first asked for."""
    # the names each kind's scope binds, in the order subjects_of binds them
    roots = {kind: {name: [] for name in names} for kind, names in SUBJECT_SCOPES.items()}
    report_roots, project_roots, indicator_roots, claim_roots, commitment_roots = roots.values()
    project_at = []  # per project row: its index in report.projects (for Subject.key)
    commitments = []
    add_report = report_roots["report"].append
    in_project, in_report = project_roots.values()
    claims, claim_reports = claim_roots.values()
    for report in reports:
        add_report(report)
        projects = report.projects
        count = len(projects)
        in_project.extend(projects)
        in_report.extend([report] * count)
        project_at.extend(range(count))
        claims.extend(report.claims)
        claim_reports.extend([report] * len(report.claims))
        if report.commitments_due:
            due = commitment_subjects(report)
            commitments.extend(due)
            for name, column in commitment_roots.items():
                column.extend([subject.scope[name] for subject in due])
    # the indicator columns from the project columns, a C-level pass each (60,000 rows at 10,000 projects)
    counts = list(map(len, map(_INDICATORS, in_project)))
    indicators, owners, indicator_reports = indicator_roots.values()
    indicators.extend(chain.from_iterable(map(_INDICATORS, in_project)))
    owners.extend(chain.from_iterable(map(repeat, in_project, counts)))
    indicator_reports.extend(chain.from_iterable(map(repeat, in_report, counts)))
    # per indicator row: its project's index, its own index in project.indicators
    indicator_at = (list(chain.from_iterable(map(repeat, project_at, counts))),
                    list(chain.from_iterable(map(range, counts))))
    kinds = {"report": (Subjects(_report_subject, report_roots, ()), report_roots),
             "project": (Subjects(_project_subject, project_roots, (project_at,)), project_roots),
             "indicator": (Subjects(_indicator_subject, indicator_roots, indicator_at), indicator_roots),
             "claim": (Subjects(_claim_subject, claim_roots, ()), claim_roots),
             "commitment": (commitments, commitment_roots)}
    # kinds in the order subjects_of meets them: by the first report that has one, then within a report (as
    # `kinds` lists them: the sort is stable)
    position = {id(report): i for i, report in enumerate(reports)}
    owners = {kind: columns["followup" if kind == "commitment" else "report"] for kind, (_, columns) in kinds.items()}
    first = {kind: position[id(column[0])] for kind, column in owners.items() if column}
    return {kind: kinds[kind] for kind in sorted(first, key=first.get)}


class Subjects(Sequence):
    """The subjects of one kind, row by row, each `Subject` made on first access and then kept (the
    same object for the same row). Built from the kind's root columns (what each subject's scope binds)
    and, where Subject.key needs them, the rows' positions in their report."""

    __slots__ = ("_make", "roots", "_columns", "_n", "_made")

    def __init__(self, make, roots: dict, positions: tuple):
        self._make = make  # (a row's roots, then its positions) -> Subject
        self.roots = roots
        self._columns = (*roots.values(), *positions)
        self._n = len(next(iter(roots.values())))
        self._made: dict = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        row = i + self._n if i < 0 else i
        subject = self._made.get(row)
        if subject is None:
            if not 0 <= row < self._n:
                raise IndexError("subject index out of range")
            subject = self._made[row] = self._make(*[column[row] for column in self._columns])
        return subject

    def scopes(self) -> list:
        """[subject.scope for subject in self], without making the subjects."""
        names = tuple(self.roots)
        return [dict(zip(names, values)) for values in zip(*self.roots.values())]


def _base(report) -> str:
    return f"{report.year}|{report.department}"


def _report_subject(report) -> Subject:
    return _subject("report", f"{_base(report)}|report", report, {"report": report}, None, "报告")


def _project_subject(project, report, i) -> Subject:
    name = project.name
    return _subject("project", f"{_base(report)}|p{i}", report, {"project": project, "report": report}, name, name)


def _indicator_subject(indicator, project, report, i, j) -> Subject:
    return _subject("indicator", f"{_base(report)}|p{i}|i{j}", report,
                    {"indicator": indicator, "project": project, "report": report}, project.name, indicator.name)


def _claim_subject(claim, report) -> Subject:
    return _subject("claim", f"{_base(report)}|c{claim.id}", report, {"claim": claim, "report": report},
                    claim.project, f"正文 {claim.id}")


_INDICATORS = attrgetter("indicators")


def commitment_subjects(report: Report) -> list[Subject]:
    """Commitments due in `report`'s year; the subject belongs to this (the follow-up) year, as do its findings."""
    base = _base(report)
    out = []
    for origin, commitment in report.commitments_due:
        label = f"{origin.year}年承诺 {commitment.id}"
        for t, target in enumerate(commitment.targets or [CommitmentTarget()]):
            now = target.followup_project
            project = now.name if now is not None else (target.project.name if target.project is not None else None)
            scope = {"commitment": commitment, "target": target, "report": origin, "followup": report}
            out.append(Subject("commitment", f"{base}|k{origin.year}.{commitment.id}.{t}", report, scope,
                               project, label))
    return out

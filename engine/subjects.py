"""What a rule is evaluated on: the report, each project, each indicator, each prose claim, and each
commitment an earlier report made that falls due in this report's year (one subject per project it names)."""
from __future__ import annotations

from dataclasses import dataclass

from .model import CommitmentTarget, Report


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
    base = f"{report.year}|{report.department}"
    out = [_subject("report", f"{base}|report", report, {"report": report}, None, "报告")]
    for i, project in enumerate(report.projects):
        name = project.name
        out.append(_subject("project", f"{base}|p{i}", report, {"project": project, "report": report}, name, name))
        for j, indicator in enumerate(project.indicators):
            out.append(_subject("indicator", f"{base}|p{i}|i{j}", report,
                                {"indicator": indicator, "project": project, "report": report},
                                name, indicator.name))
    for claim in report.claims:
        out.append(_subject("claim", f"{base}|c{claim.id}", report, {"claim": claim, "report": report},
                            claim.project, f"正文 {claim.id}"))
    out.extend(commitment_subjects(report))
    return out


def subjects_by_kind(reports: list) -> dict:
    """kind -> (the subjects of that kind of `reports` in report order then subjects_of order,
    {name: [subject.scope[name] for each subject]}): the scopes' values column by column, as the
    evaluate stage reads them (engine/expr/columns.py), collected while the subjects are made.
    The same subjects as subjects_of (tests/test_columns.py), made inline: 75,000 a run at 10,000 projects."""
    kinds = {kind: ([], {name: [] for name in names}) for kind, names in _SCOPE_NAMES.items()}
    reports_, report_roots = kinds["report"]
    projects, project_roots = kinds["project"]
    indicators, indicator_roots = kinds["indicator"]
    claims, claim_roots = kinds["claim"]
    commitments, commitment_roots = kinds["commitment"]
    new, set_dict = _new, _set
    add_indicator = indicators.append
    for report in reports:
        base = f"{report.year}|{report.department}"
        reports_.append(_subject("report", f"{base}|report", report, {"report": report}, None, "报告"))
        report_roots["report"].append(report)
        for i, project in enumerate(report.projects):
            name = project.name
            projects.append(_subject("project", f"{base}|p{i}", report, {"project": project, "report": report},
                                     name, name))
            prefix = f"{base}|p{i}|i"
            for j, indicator in enumerate(project.indicators):
                subject = new(Subject)
                set_dict(subject, "__dict__", {
                    "kind": "indicator", "key": prefix + str(j), "report": report,
                    "scope": {"indicator": indicator, "project": project, "report": report}, "project": name,
                    "label": indicator.name})
                add_indicator(subject)
            count = len(project.indicators)
            indicator_roots["indicator"].extend(project.indicators)
            indicator_roots["project"].extend([project] * count)
            indicator_roots["report"].extend([report] * count)
        count = len(report.projects)
        project_roots["project"].extend(report.projects)
        project_roots["report"].extend([report] * count)
        for claim in report.claims:
            claims.append(_subject("claim", f"{base}|c{claim.id}", report, {"claim": claim, "report": report},
                                   claim.project, f"正文 {claim.id}"))
        claim_roots["claim"].extend(report.claims)
        claim_roots["report"].extend([report] * len(report.claims))
        due = commitment_subjects(report)
        commitments.extend(due)
        for name, column in commitment_roots.items():
            column.extend([subject.scope[name] for subject in due])
    # kinds in the order subjects_of meets them: by the first report that has one, then within a report
    position = {id(report): i for i, report in enumerate(reports)}
    first = {kind: position[id(entry[0][0].report)] for kind, entry in kinds.items() if entry[0]}
    return {kind: kinds[kind] for kind in sorted(first, key=lambda k: (first[k], _RANK[k]))}


_RANK = {"report": 0, "project": 1, "indicator": 2, "claim": 3, "commitment": 4}

# the names each kind's scope binds, as subjects_of binds them
_SCOPE_NAMES = {"report": ("report",), "project": ("project", "report"),
                "indicator": ("indicator", "project", "report"), "claim": ("claim", "report"),
                "commitment": ("commitment", "target", "report", "followup")}


def commitment_subjects(report: Report) -> list[Subject]:
    """Commitments due in `report`'s year; the subject belongs to this (the follow-up) year, as do its findings."""
    base = f"{report.year}|{report.department}"
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

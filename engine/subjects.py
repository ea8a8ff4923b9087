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


def subjects_of(report: Report) -> list[Subject]:
    base = f"{report.year}|{report.department}"
    out = [Subject("report", f"{base}|report", report, {"report": report}, None, "报告")]
    for i, project in enumerate(report.projects):
        out.append(Subject("project", f"{base}|p{i}", report, {"project": project, "report": report},
                           project.name, project.name))
        for j, indicator in enumerate(project.indicators):
            out.append(Subject("indicator", f"{base}|p{i}|i{j}", report,
                               {"indicator": indicator, "project": project, "report": report},
                               project.name, indicator.name))
    for claim in report.claims:
        out.append(Subject("claim", f"{base}|c{claim.id}", report, {"claim": claim, "report": report},
                           claim.project, f"正文 {claim.id}"))
    out.extend(commitment_subjects(report))
    return out


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

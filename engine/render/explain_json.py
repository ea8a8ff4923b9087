"""Render an Explanation as deterministic JSON (same input, same bytes, whichever backend)."""
from __future__ import annotations

import json

from ..analysis.explain import OUTCOME_LABELS, Explanation, RuleExplanation, Step
from .json_report import citation_dict, json_value, not_in_force_dict


def step_dict(step: Step) -> dict:
    out = {"kind": step.kind, "text": step.text, "value": step.value, "line": step.line}
    if step.leaf is not None:
        out["leaf"] = step.leaf
    if step.margin is not None:
        m = step.margin
        out["margin"] = {"difference": json_value(m.difference), "relative": json_value(m.relative),
                         "percentage_points": m.percentage_points, "text": m.text}
    if step.children:
        out["children"] = [step_dict(c) for c in step.children]
    return out


def rule_dict(e: RuleExplanation, full: bool = True) -> dict:
    out = {"rule": e.rule, "title": e.title, "family": e.family, "severity": e.severity,
           "subject": {"kind": e.subject_kind, "name": e.subject}, "project": e.project,
           "outcome": e.outcome, "outcome_label": OUTCOME_LABELS[e.outcome], "summary": e.summary,
           "message": e.message}
    if not full:
        return out
    out.update({
        "location": {"file": e.location.file, "line": e.location.line},
        "when": step_dict(e.when) if e.when is not None else None,
        "condition": step_dict(e.condition),
        "deciding": [step_dict(s) for s in e.deciding],
        "evidence": {label: json_value(value) for label, value in e.evidence},
        "parameters": [{"name": p.name, "title": p.title, "kind": p.kind, "value": json_value(p.value),
                        "text": p.text, "from_year": p.from_year,
                        "location": {"file": p.location.file, "line": p.location.line},
                        "citations": [citation_dict(c) for c in p.citations]} for p in e.parameters],
        "facts": [{"label": f.label, "path": f.path, "value": json_value(f.value), "file": f.file, "line": f.line,
                   "section": f.section} for f in e.facts],
        "citations": [citation_dict(c) for c in e.citations],
    })
    return out


def render_explanation_json(explanation: Explanation) -> str:
    detailed = bool(explanation.rule_filter)
    document = {
        "query": {"project": explanation.query, "rules": list(explanation.rule_filter)},
        "projects": [{
            "project": p.project, "aliases": list(p.aliases), "department": p.department, "year": p.year,
            "file": p.file, "line": p.line,
            "rules": [rule_dict(e) for e in p.rules],
            "report_rules": [rule_dict(e, detailed) for e in p.report_rules],
        } for p in explanation.projects],
        **not_in_force_dict(explanation.not_in_force),
        **({"not_shown": [{"year": y, "rule": r, "why": w, "reports": n} for y, r, w, n in explanation.not_shown]}
           if explanation.not_shown else {}),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

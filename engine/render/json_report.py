"""Render stage: findings as stable, deterministic JSON (same input, same bytes)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ..core.findings import UNEVALUABLE, FactCitation, Finding, PolicyCitation, SEVERITY_ORDER, tally
from ..core.version import VERSION
from .jsontext import Encoded, Items, Shared, dump, dumps, encode, separator

FINDING_LEVEL = 2  # a finding's indentation level in the document: {"findings": [ finding, ...


def json_value(value):
    if isinstance(value, Decimal):
        return format(value, "f") if value.as_tuple().exponent >= -12 else format(
            value.quantize(Decimal(1).scaleb(-12)), "f")
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def citation_dict(citation) -> dict:
    if isinstance(citation, PolicyCitation):
        out = {"kind": "policy", "source": citation.source, "doc_no": citation.doc_no, "title": citation.title,
               "clause": citation.clause, "clause_title": citation.clause_title,
               "verification": citation.verification}
        if citation.quote:
            out["quote"] = citation.quote
        if citation.url:
            out["url"] = citation.url
        return out
    assert isinstance(citation, FactCitation)
    return {"kind": "fact", "file": citation.file, "line": citation.line, "section": citation.section,
            "field": citation.field}


def finding_dict(f: Finding, memo: dict | None = None) -> dict:
    """memo: optional, shared by the findings of one document: the parts every finding of a rule and
    year shares (its policy citations and parameters) become Shared values, encoded once. It maps
    id(object) -> (object, Shared); the object is kept so that its id is not reused."""
    def shared(obj, make):
        if memo is None:
            return make(obj)
        entry = memo.get(id(obj))
        if entry is None:
            entry = memo[id(obj)] = (obj, Shared(make(obj)))
        return entry[1]

    return {
        "rule": f.rule, "title": f.title, "family": f.family, "severity": f.severity, "outcome": f.outcome,
        "department": f.department, "year": f.year, "project": f.project,
        "subject": {"kind": f.subject_kind, "name": f.subject},
        "message": f.message,
        "evidence": {label: json_value(value) for label, value in f.evidence},
        "parameters": shared(f.parameters, lambda ps: [
            {"name": p.name, "title": p.title, "value": json_value(p.value), "from_year": p.from_year,
             "citations": [citation_dict(c) for c in p.citations]} for p in ps]),
        "citations": [shared(c, citation_dict) if isinstance(c, PolicyCitation) else citation_dict(c)
                      for c in f.citations],
    }


def summary_dict(evaluation, counts: dict | None = None) -> dict:
    """counts: findings.tally() of the evaluation's findings, when they are not at hand (streamed output)."""
    counts = tally(evaluation.findings) if counts is None else counts
    by_severity = {s: 0 for s in SEVERITY_ORDER}
    by_family, by_outcome = Counter(), Counter()
    for (outcome, severity, family), n in counts.items():
        by_outcome[outcome] += n
        if outcome == UNEVALUABLE:  # missing data is not a finding: counted in by_outcome only
            continue
        by_severity[severity] += n
        by_family[family] += n
    return {"findings": sum(counts.values()), "by_severity": by_severity,
            "by_family": dict(sorted(by_family.items())), "by_outcome": dict(sorted(by_outcome.items())),
            "reports": [{"department": d, "year": y, "file": file, "projects": n}
                        for d, y, file, n in evaluation.reports],
            "rules": evaluation.rules_evaluated,
            **jurisdictions_dict(evaluation.jurisdictions),
            **not_in_force_dict(evaluation.not_in_force)}


def not_in_force_dict(not_in_force) -> dict:
    """Only when some rule was not applied, so the output of a run where every rule applies is unchanged."""
    return {"not_in_force": [{"year": y, "rule": r, "missing_parameters": list(m), "reports": n}
                             for y, r, m, n in not_in_force]} if not_in_force else {}


def jurisdictions_dict(jurisdictions) -> dict:
    """The local packs that applied (only when some did): which reports were judged by local policy."""
    return {"jurisdictions": [{"id": i, "title": t, "reports": n} for i, t, n in jurisdictions]} if jurisdictions else {}


def document(evaluation, findings, counts: dict | None = None) -> dict:
    # the backend is deliberately not in the output: both backends must give the same bytes
    return {
        "findings": findings,
        "summary": summary_dict(evaluation, counts),
        "run": {"rules_hash": evaluation.rules_hash, "facts_hash": evaluation.facts_hash, "version": VERSION},
    }


def render(evaluation, options) -> str:
    memo: dict = {}
    # written one finding at a time: the same text as json.dumps(indent=2), in a fraction of the
    # time and memory for a province's findings (jsontext.py)
    findings = Items(len(evaluation.findings), (finding_dict(f, memo) for f in evaluation.findings))
    return dumps(document(evaluation, findings)) + "\n"


def finding_block(findings, memo: dict) -> tuple[bytes, None]:
    """Consecutive findings as they appear in the document's findings array (engine/run/streaming.py)."""
    return separator(FINDING_LEVEL).join(encode(finding_dict(f, memo), FINDING_LEVEL) for f in findings).encode(), None


def write_streamed(evaluation, counts: dict, blocks, write) -> None:
    """render()'s text handed to write() piece by piece: `evaluation` without its findings, their tally
    `counts`, and the finding_block()s in document order as (bytes, None)."""
    findings = Items(sum(counts.values()), (Encoded(data) for data, _ in blocks if data))
    dump(document(evaluation, findings, counts), write)
    write("\n")

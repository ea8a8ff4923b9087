"""Render stage: findings as stable, deterministic JSON (same input, same bytes)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from json.encoder import encode_basestring  # the C one, as jsontext.py uses

from ..core.findings import UNEVALUABLE, FactCitation, Finding, PolicyCitation, SEVERITY_ORDER, tally
from ..core.version import VERSION
from .jsontext import Encoded, Items, dump, dumps, encode, separator

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


def finding_dict(f: Finding) -> dict:
    return {
        "rule": f.rule, "title": f.title, "family": f.family, "severity": f.severity, "outcome": f.outcome,
        "department": f.department, "year": f.year, "project": f.project,
        "subject": {"kind": f.subject_kind, "name": f.subject},
        "message": f.message,
        "evidence": {label: json_value(value) for label, value in f.evidence},
        "parameters": parameter_dicts(f.parameters),
        "citations": [citation_dict(c) for c in f.citations],
    }


def parameter_dicts(parameters) -> list:
    return [{"name": p.name, "title": p.title, "value": json_value(p.value), "from_year": p.from_year,
             "citations": [citation_dict(c) for c in p.citations]} for p in parameters]


def finding_text(f: Finding, memo: dict) -> str:
    """encode(finding_dict(f), FINDING_LEVEL), spliced from pieces encoded once per document (memo): the head of a
    rule's findings (rule, title, family, severity, outcome), a report's department and year, evidence labels, each
    parameter table and policy citation (a run shares them between findings); fact citations written in place. A
    finding cost 47 calls of _encode (34 us; 0.46 s of 4 s at 10,000 generated projects); tests/test_fast_paths.py
    compares the two."""
    head = memo.get((f.rule, f.title, f.family, f.severity, f.outcome))
    if head is None:
        head = memo[(f.rule, f.title, f.family, f.severity, f.outcome)] = "".join(
            ["{", *(f'{_IN3}"{key}": {_str(value)},' for key, value in (
                ("rule", f.rule), ("title", f.title), ("family", f.family), ("severity", f.severity),
                ("outcome", f.outcome))), _IN3, '"department": '])
    report = memo.get((f.department, f.year))
    if report is None:
        report = memo[(f.department, f.year)] = (f'{_str(f.department)},{_IN3}"year": {encode(f.year, 3)},'
                                                  f'{_IN3}"project": ')
    out = [head, report, "null" if f.project is None else _str(f.project),
           f',{_IN3}"subject": {{{_IN4}"kind": {_str(f.subject_kind)},{_IN4}"name": {_str(f.subject)}{_IN3}}},'
           f'{_IN3}"message": {_str(f.message)},{_IN3}"evidence": ']
    if f.evidence:
        sep = "{"
        for label, value in f.evidence:
            key = memo.get(label)  # no clash with the tuple keys above and the ids below
            if key is None:
                key = memo[label] = f"{_IN4}{_str(label)}: "
            kind = type(value)
            out += (sep, key, _str(value) if kind is str else _str(json_value(value)) if kind is Decimal else
                    "null" if value is None else encode(json_value(value), FINDING_LEVEL + 2))
            sep = ","
        out.append(_IN3 + "}")
    else:
        out.append("{}")
    out += (f',{_IN3}"parameters": ', _once(memo, f.parameters, _parameters_text), f',{_IN3}"citations": ')
    if f.citations:
        citations = []
        for c in f.citations:  # most fact citations are cited once (50,000 of 55,000 at 10,000 projects): no memo
            citations.append(f'{{{_IN5}"kind": "fact",{_IN5}"file": {_str(c.file)},{_IN5}"line": {_int(c.line)},'
                             f'{_IN5}"section": {_str(c.section)},{_IN5}"field": {_str(c.field)}{_IN4}}}'
                             if type(c) is FactCitation else _once(memo, c, _citation_text))
        out += ("[", _IN4, f",{_IN4}".join(citations), _IN3, "]")
    else:
        out.append("[]")
    out.append("\n" + "  " * FINDING_LEVEL + "}")
    return "".join(out)


# the indentation of a finding's keys, of theirs, of a citation's
_IN3, _IN4, _IN5 = ("\n" + "  " * level for level in range(FINDING_LEVEL + 1, FINDING_LEVEL + 4))
_str = encode_basestring


def _once(memo: dict, obj, make) -> str:
    """make(obj), once per object in the document (memo: id -> (object, text); the object kept, so that its id is
    not reused)."""
    entry = memo.get(id(obj))
    if entry is None:
        entry = memo[id(obj)] = (obj, make(obj))
    return entry[1]


def _parameters_text(parameters) -> str:
    return encode(parameter_dicts(parameters), FINDING_LEVEL + 1)


def _citation_text(citation) -> str:
    return encode(citation_dict(citation), FINDING_LEVEL + 2)


def _int(value) -> str:
    return int.__repr__(value) if type(value) is int else encode(value, FINDING_LEVEL + 3)


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
    findings = Items(len(evaluation.findings), (Encoded(finding_text(f, memo)) for f in evaluation.findings))
    return dumps(document(evaluation, findings)) + "\n"


def finding_block(findings, memo: dict) -> tuple[bytes, None]:
    """Consecutive findings as they appear in the document's findings array (engine/run/streaming.py)."""
    return separator(FINDING_LEVEL).join([finding_text(f, memo) for f in findings]).encode(), None


def write_streamed(evaluation, counts: dict, blocks, write) -> None:
    """render()'s text handed to write() piece by piece: `evaluation` without its findings, their tally
    `counts`, and the finding_block()s in document order as (bytes, None)."""
    findings = Items(sum(counts.values()), (Encoded(data) for data, _ in blocks if data))
    dump(document(evaluation, findings, counts), write)
    write("\n")

"""Issue 15 for the free-text 自评报告 among the examples (06, 10, 11): a report whose figures are prose.

"Imports to the hand transcription" means, for such a report: the import reproduces the narrative (each entry's
heading and text, in order; `section` is where the import found it, provenance as for forms) and offers every
transcribed claim among its candidates (the same sentence, or an excerpt of it, with the same value and unit),
unconfirmed: nothing is in `claims:` or `projects:` yet. The auditor's review (perfaudit claims review) then
accepts the matching candidates, names their measure, project, excerpt and members, and puts the amounts the
transcriber read from a sentence into the project's budget (--into); after it the facts equal the transcription
(apart from provenance, claim ids and the auditor's flags on the archived copy), and evaluate gives the same
findings. The unit's name is not printed as such in these reports: the auditor gives it (--department)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.cli import cli
from engine.io.documents.recognise import HEADERS
from engine.io.documents.review import INTO, excerpt_of, split

from . import documents_examples as E
from . import documents_reports as R
from .conftest import ROOT
from .test_documents_examples import comparable, findings

EXAMPLES = ROOT / "examples" / "facts"
FIELD = {key: label for label, key in INTO.items()}
assert all(HEADERS[key] == label for key, label in FIELD.items())


def narrative(data: dict) -> list:
    return [(n.get("heading"), comparable(n.get("text"))) for n in data.get("narrative", [])]


def claims(data: dict) -> list:
    return [comparable({k: v for k, v in c.items() if k not in ("id", "section")}) for c in data.get("claims", [])]


def same_value(pending, value) -> bool:
    value = str(value)
    if value.endswith("%") or pending.value.endswith("%"):
        return pending.value == value
    return Decimal(pending.value) == Decimal(value)


def review_options(facts: dict, pending: list) -> list:
    """What the auditor answers: each transcribed claim is a candidate (asserted), accepted with its measure,
    project, excerpt and members; each budget value the transcriber read from a sentence is put --into its
    project; every other candidate is discarded."""
    options, used, into = [], set(), set()
    for claim in facts.get("claims", []):
        match = [p for p in pending if p.number not in used and excerpt_of(claim["text"], p.text)
                 and same_value(p, claim["value"]) and p.unit == claim.get("unit", "")]
        assert match, f"no candidate for {claim['id']}: {claim['text']}"
        n = match[0].number
        used.add(n)
        options += ["--accept", str(n), "--measure", f"{n}={claim['measure']}"]
        if claim["text"] != match[0].text:
            options += ["--text", f"{n}={claim['text']}"]
        if "project" in claim:
            options += ["--project", f"{n}={claim['project']}"]
        if "members" in claim:
            options += ["--members", f"{n}={'、'.join(claim['members'])}"]
    for project in facts.get("projects", []):
        budget = project.get("budget", {})
        rows = [(None, budget)] + [(f["source"], f) for f in budget.get("funding", [])]
        for source, row in rows:
            for key, label in FIELD.items():
                if row.get(key) is None:
                    continue
                match = [p for p in pending if p.number not in into and same_value(p, row[key])
                         and p.unit in ("", facts["unit"])]
                assert match, f"no candidate for {project['name']} {source or ''} {label} {row[key]}"
                n = match[0].number
                into.add(n)
                options += ["--into", f"{n}={label}", "--project", f"{n}={project['name']}"]
                options += ["--source", f"{n}={source}"] if source else []
    rest = [str(p.number) for p in pending if p.number not in used | into]
    return options + (["--discard", ",".join(rest)] if rest else [])


@pytest.mark.parametrize("kind", sorted(R.WRITERS))
@pytest.mark.parametrize("name", R.REPORTS)
def test_a_report_imports_to_candidates_and_reviews_to_its_transcription(runner, tmp_path, ruleset, name, kind):
    facts = E.load(EXAMPLES / name)
    source = tmp_path / f"report.{kind}"
    R.WRITERS[kind](source, R.report(facts))
    year = str(facts["year"])
    imported = tmp_path / "imported" / year / "imported.yaml"
    result = runner.invoke(cli, ["import", str(source), "-o", str(imported), "--year", year,
                                 "--department", facts["department"]])
    assert result.exit_code == 0, result.output
    first = E.load(imported)
    assert narrative(first) == narrative(facts)
    assert "claims" not in first and "projects" not in first  # nothing confirmed by the import
    assert comparable(first["department"]) == comparable(facts["department"])

    _, pending = split(imported.read_text(encoding="utf-8"))
    reviewed = tmp_path / "reviewed" / year / "reviewed.yaml"
    reviewed.parent.mkdir(parents=True)
    result = runner.invoke(cli, ["claims", "review", str(imported), *review_options(facts, pending),
                                 "-o", str(reviewed)])
    assert result.exit_code == 0, result.output
    text = reviewed.read_text(encoding="utf-8")
    assert "待确认的陈述" not in text
    data = E.load(reviewed)
    for key in ("department", "year", "unit"):
        assert comparable(data.get(key)) == comparable(facts.get(key)), key
    assert narrative(data) == narrative(facts)
    assert claims(data) == claims(facts)
    assert comparable(E.plain(data.get("projects"))) == comparable(E.plain(facts.get("projects")))

    # the transcriber's flags on the archived copy (cut off), as the auditor records them
    flags = "".join(f"{k}: true\n" for k, v in facts.items() if k.endswith("_partial") and v in (True, "true"))
    evaluated = tmp_path / "evaluated" / year / "reviewed.yaml"
    evaluated.parent.mkdir(parents=True)
    evaluated.write_text(text + flags, encoding="utf-8")
    assert findings(ruleset, evaluated) == findings(ruleset, EXAMPLES / name)

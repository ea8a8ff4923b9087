"""Issue 15 "done when": every published example (examples/facts/) printed as a form in each format the
importer reads imports to the hand transcription apart from provenance, and evaluates to the same findings.

Apart from provenance means: sections, cell references and the transcriber's notes on the archived copy
(unreadable, partial) are not compared; a value the transcription does not have (null, or unreadable in the
archived copy) is printed blank and must come back blank; line breaks and spaces between two Chinese characters
are layout (a cell wraps), as the reader treats them. Every other value, dash or slash marker, printed text,
funding row and indicator is compared. The archived copies were cut off (the partial flags); the generated
documents are whole, so the findings are compared with the transcription's flags given to the import, as the
auditor records them after reading the import's summary.
Examples whose layout the reader does not take are marked as such, with the reason; the free-text reports
are not forms and have their own round trip (tests/test_documents_reports.py)."""
from __future__ import annotations

import pytest

from engine import compile, evaluate, load_facts
from engine.core.errors import InputError
from engine.io.documents.importer import combine, import_document
from engine.io.documents.model import squeeze

from . import documents_examples as E
from . import documents_forms as F
from . import documents_reports as R
from .conftest import ROOT

EXAMPLES = ROOT / "examples" / "facts"
FORMATS = ["html", "docx", "xlsx", "xls", "pdf"]
UNSUPPORTED: dict = {}
# values a transcription took from outside the form (the document cannot print them in the form)
OUTSIDE = {"2021/02-lingling-linyeju-bumenzhengti.yaml": {"department"}}  # the page's 发布机构 field
# (the auditor records these in the facts before evaluating: they are copied in for the findings)
# what the form does not print, which the auditor gives (perfaudit import --department / --project-name /
# --province --city --county): the transcriber took the names from the page's title, the region from the
# reposting page's 地区 label
GIVEN = {"2024/12-mingshan-linye-gaige-zijin.yaml": {"department", "project_name", "region"}}
TOP = ("department", "year", "unit", "supervisor")


def _files() -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(reason=UNSUPPORTED[name], raises=(AssertionError, InputError),
                                                       strict=True)) if name in UNSUPPORTED else name
            for name in sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("*/*.yaml"))
            if name not in R.REPORTS]  # free-text reports, not forms: tests/test_documents_reports.py


def comparable(value):
    value = E.without_blanks(E.plain(value))
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):  # the year; the transcription is read as printed
        return str(value)
    return squeeze(value) if isinstance(value, str) else value


def checklist_aligned(imported: list, transcribed: list) -> None:
    """The checklist cells the archived copy cut off are printed blank and come back null: left out of the
    comparison, as a blank where the transcription has nothing; the transcriber's cut mark is not a heading."""
    for mine, theirs in zip(imported, transcribed):
        for n in theirs.get("narrative", []):
            n["heading"] = n["heading"].removesuffix(E.CUT)
        headings = {n["heading"] for n in theirs.get("narrative", [])}
        if "narrative" in mine:
            mine["narrative"] = [n for n in mine["narrative"] if n["text"].value is not None or n["heading"] in headings]


def imported(tmp_path, monkeypatch, kind: str, forms: list, **given):
    path = tmp_path / f"form.{kind}"
    if kind == "xls":
        import xlrd

        path.write_bytes(b"not read: xlrd is replaced below")
        monkeypatch.setattr(xlrd, "open_workbook", lambda *a, **k: F.FakeXls(forms))
    else:
        F.WRITERS[kind](path, forms)
    return import_document(path, path.name, **given)


def findings(program, path) -> set:
    """The problems reported (fired rules); what cannot be evaluated is not a finding."""
    return {(f.rule, f.project, f.subject) for f in evaluate(program, load_facts([path])).findings
            if f.outcome == "fired"}


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


@pytest.fixture(scope="module")
def transcribed_findings(program):
    """name -> findings of the hand transcription: the same for the five formats, evaluated once."""
    done = {}

    def get(name):
        if name not in done:
            done[name] = findings(program, EXAMPLES / name)
        return done[name]

    return get


def as_transcribed(imported, transcribed):
    """The import, with what the source did not show put back as the transcription has it.

    A generated document prints a cell the transcription left out (not visible in the source) as an empty
    cell, which the import rightly reads as printed blank (null), and prints a list the source cut off as a
    whole table. Rules tell blank from not transcribed and skip partial lists, so for the evaluation the
    import is aligned: a null where the transcription has nothing is dropped, the partial flags are copied."""
    if isinstance(imported, dict) and isinstance(transcribed, dict):
        for key in list(imported):
            if key not in transcribed and getattr(imported[key], "value", imported[key]) is None:  # a read cell
                del imported[key]
            elif key in transcribed:
                as_transcribed(imported[key], transcribed[key])
        for key, value in transcribed.items():
            if key.endswith("_partial") and key not in imported:
                imported[key] = value
    elif isinstance(imported, list) and isinstance(transcribed, list) and len(imported) == len(transcribed):
        for mine, theirs in zip(imported, transcribed):
            as_transcribed(mine, theirs)
    return imported


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("name", _files())
def test_example_imports_to_its_transcription_and_the_same_findings(tmp_path, monkeypatch, program,
                                                                   transcribed_findings, name, kind):
    facts = E.load(EXAMPLES / name)
    names = {"department": facts["department"], "project_name": facts["projects"][0]["name"],
             "region": facts.get("region")}
    result = imported(tmp_path, monkeypatch, kind, E.forms(facts), **{k: names[k] for k in GIVEN.get(name, ())})
    data = result.data
    assert result.left_out == []
    checklist_aligned(data["projects"], facts["projects"])
    for key in set(TOP) - OUTSIDE.get(name, set()):
        assert comparable(data.get(key)) == comparable(facts.get(key)), key
    assert data["document"].get("scope") == facts["document"].get("scope")
    assert comparable(data["projects"]) == comparable(facts["projects"])

    as_transcribed(result.data, facts)
    result.data.update({k: facts[k] for k in OUTSIDE.get(name, ()) if k in facts})
    text, problems = combine([result])
    assert problems == []
    target = tmp_path / "facts" / str(facts["year"]) / "imported.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    assert findings(program, target) == transcribed_findings(name)

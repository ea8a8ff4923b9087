"""Published examples 01-06 (issue 13 item 5): each transcription loads without a diagnostic, evaluates
without a traceback, cites a line of its own file for every value it holds, and draws none of the
findings that would be false on it (a sum over a cut-off list, an execution finding where the amounts
could not be read, a claim check on figures the report states consistently)."""
from __future__ import annotations

import json
from dataclasses import fields

import pytest

from engine import load_facts
from engine.cli import cli
from engine.core.model import FactSource, Quantity, Record, Report

from .conftest import ROOT, RULES

EXAMPLES = ROOT / "examples" / "facts"

# the rules summing over the report's project list or over its claims: false on a list cut off by the source
SUMS = {"consistency.total-initial", "consistency.total-full-year", "consistency.total-executed",
        "consistency.claim-project-count", "consistency.claim-budget-total", "consistency.claim-executed-total",
        "consistency.claim-overall-rate", "consistency.claim-average-score", "consistency.claim-complement"}
# the rules reading a project's amounts: false where the amounts are left out as unreadable
EXECUTION = {"consistency.project-rate", "execution.below-warning-line", "execution.explanation-missing",
             "execution.over-budget", "follow-up.below-warning-line-again"}
# the claim checks of a report whose figures agree with each other (06: one project, 239 and 87.06万元)
CLAIMS = {"consistency.claim-project-amount", "consistency.claim-amount-unit", "consistency.claim-members-count",
          "consistency.claim-vs-printed-total", "consistency.claim-project-rate"}

# file -> the rule ids that must not fire on it
NOT_FIRING = {
    "2023/01-linxiang-maluken-linchang.yaml": SUMS | EXECUTION,  # two of three money cells read, which is which unknown
    "2021/02-lingling-linyeju-bumenzhengti.yaml": SUMS,
    "2021/03-jishan-zhaidian-weishengyuan.yaml": SUMS | EXECUTION,  # 207.4538 twice, its cells unknown
    "2021/04-xiangyang-zhongxin-yiyuan.yaml": SUMS,  # the document may hold more project forms after the cut
    "2021/05-yinchuan-liuzhong.yaml": SUMS,
    "2022/06-leiyang-sizhong-zipingjia.yaml": SUMS | CLAIMS,
}
FILES = sorted(NOT_FIRING)

# Report fields that are not values printed in the form: the title and the file are the transcription's own
# labels, department_printed and scope (when not written) are defaults; region has no line of its own
REPORT_LABELS = {"document", "file", "department_printed", "scope", "region"}
NOT_VALUES = {"sources", "blank", "dashes", "printed", "unreadable", "previous", "targets", "commitments_due"}


def value_fields(record: Record):
    """(name, value) of the fields of record that hold a transcribed value, and the records below it."""
    for f in fields(record):
        if f.name in NOT_VALUES or (isinstance(record, Report) and f.name in REPORT_LABELS):
            continue
        if isinstance(record, Quantity) and f.name == "kind":  # derived from the text, not transcribed
            continue
        value = getattr(record, f.name)
        if isinstance(value, Record):
            yield from value_fields(value)
        elif isinstance(value, list) and value and isinstance(value[0], Record):
            for item in value:
                yield from value_fields(item)
        elif not (value is None or value is False or value == "" or value == []):  # a Decimal 0 is a value
            yield record, f.name, value


def all_sources(record: Record):
    yield from record.sources.items()
    for f in fields(record):
        if f.name in ("sources", "previous", "targets"):
            continue
        value = getattr(record, f.name)
        if isinstance(value, Record):
            yield from all_sources(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Record):
                    yield from all_sources(item)


@pytest.fixture(scope="module")
def reports():
    return {name: load_facts([EXAMPLES / name]) for name in FILES}


@pytest.mark.parametrize("name", FILES)
def test_loads_as_one_report_of_its_year(reports, name):
    [report] = reports[name]
    assert str(report.year) == name.split("/")[0]
    assert report.url.startswith("http") and report.form
    path = EXAMPLES / name
    assert f"转录自 shared/examples/{path.stem}.md" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FILES)
def test_every_value_cites_a_line_of_its_file(reports, name):
    [report] = reports[name]
    path = EXAMPLES / name
    lines = path.read_text(encoding="utf-8").splitlines()
    assert report.file.endswith(name)
    for record, field_name, value in value_fields(report):
        assert field_name in record.sources, (type(record).__name__, field_name, value)
    for field_name, source in all_sources(report):
        assert isinstance(source, FactSource) and source.file == report.file, (field_name, source)
        assert 1 <= source.line <= len(lines), (field_name, source)
        text = lines[source.line - 1].strip()
        assert text and not text.startswith("#"), (field_name, source.line, text)


@pytest.mark.parametrize("name", FILES)
def test_evaluates_without_the_findings_that_would_be_false(runner, name):
    result = runner.invoke(cli, ["evaluate", "--rules", str(RULES), "--format", "json", str(EXAMPLES / name)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    fired = {f["rule"] for f in json.loads(result.stdout)["findings"] if f["outcome"] == "fired"}
    assert not fired & NOT_FIRING[name]


def test_cut_off_lists_are_marked(reports):
    # what the sum rules' `not report.projects_partial` guard and the indicator rules rely on
    partial = {name: reports[name][0].projects_partial for name in FILES}
    assert partial == {name: name.startswith(("2021/04", "2021/05")) for name in FILES}
    for name in FILES:  # every form is cut off inside its indicator table; 06 has no table
        assert all(p.indicators_partial for p in reports[name][0].projects) == ("06-" not in name), name

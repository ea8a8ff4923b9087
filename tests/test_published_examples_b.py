"""Published examples 08-12 transcribed into facts format v2 (issue 13 item 5): each loads, evaluates, and
every value it carries cites a line of its own file; the false findings found while transcribing stay away."""
from __future__ import annotations

import dataclasses
import json

import pytest

from engine import load_facts
from engine.cli import cli
from engine.core.model import Record

from .conftest import ROOT, RULES
from .test_facts_v2 import fired

EXAMPLES = ROOT / "examples" / "facts"
FILES = [EXAMPLES / "2021" / "08-chongqing-kexuecheng-rongmeiti-bumenzhengti.yaml",
         EXAMPLES / "2020" / "09-lijiang-gucheng-ziranziyuan.yaml",
         EXAMPLES / "2022" / "10-xiping-jiaotong-xianjie.yaml",
         EXAMPLES / "2022" / "11-zhongxian-jinshengxiang-zhuanyizhifu.yaml",
         EXAMPLES / "2024" / "12-mingshan-linye-gaige-zijin.yaml"]
IDS = [path.stem[:2] for path in FILES]

# fields the loader derives rather than reads from one written value (the file itself, whether the unit's
# name is printed, a quantity being text), and the document title, which names the report rather than
# stating a fact of it
NOT_WRITTEN = {"file", "department_printed", "Quantity.kind", "document"}


def evaluate(runner, *paths) -> dict:
    result = runner.invoke(cli, ["evaluate", "--rules", str(RULES), "--format", "json", *map(str, paths)])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    return json.loads(result.stdout)


def records(record, path="report"):
    """(path, record) for the record and every record below it."""
    yield path, record
    for f in dataclasses.fields(record):
        if f.name == "previous" or f.name in {g.name for g in dataclasses.fields(Record)}:
            continue
        value = getattr(record, f.name)
        if isinstance(value, Record):
            yield from records(value, f"{path}.{f.name}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Record):
                    yield from records(item, f"{path}.{f.name}[{i}]")


def uncited(record) -> list:
    """Fields of one record that hold a value (or were printed blank) but cite no place."""
    names = set(record.blank) | set(record.dashes or ()) | ({"unreadable"} if record.unreadable else set())
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name in NOT_WRITTEN or f"{type(record).__name__}.{f.name}" in NOT_WRITTEN or isinstance(value, (Record, dict, frozenset)) or f.name == "sources":
            continue
        if isinstance(value, list) and (not value or isinstance(value[0], Record)):
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if value != default:
            names.add(f.name)
    return sorted(name for name in names if name not in record.sources)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_example_loads_and_every_value_cites_a_line_of_its_file(path):
    [report] = load_facts([path])  # a problem in the file raises InputError with its diagnostics
    lines = path.read_text(encoding="utf-8").splitlines()
    seen = 0
    for where, record in records(report):
        assert uncited(record) == [], where
        for name, source in record.sources.items():
            assert source.file == report.file, (where, name)
            text = lines[source.line - 1].strip()  # the cited line holds a key of the file, not a comment
            assert text and not text.startswith("#"), (where, name, source.line)
            seen += 1
    assert seen > 10


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_example_evaluates_with_the_rules(runner, path):
    document = evaluate(runner, path)
    assert document["findings"] is not None


def test_all_examples_evaluate_together(runner):
    evaluate(runner, *FILES)


def test_a_free_text_report_without_projects_sums_no_project_table(runner, tmp_path):
    # example 11 names a fund total (50万元) and no project with figures; with no project list transcribed
    # the total must not be compared with a sum of 0 over no projects
    text = FILES[3].read_text(encoding="utf-8")
    assert "\nprojects_partial: true\n" in text and "\nprojects:" not in text
    (tmp_path / "report.yaml").write_text(text.replace("\nprojects_partial: true\n", "\n"), encoding="utf-8")
    [report] = load_facts([tmp_path])
    assert report.projects == [] and report.projects_partial
    assert "consistency.claim-budget-total" not in fired(evaluate(runner, tmp_path))


def test_the_partial_and_unreadable_marks_are_carried():
    by_id = {path.stem[:2]: load_facts([path])[0] for path in FILES}
    assert all(report.partial for report in by_id.values())
    department = by_id["08"]
    assert not department.department_printed and department.scope == "部门整体"
    [whole] = department.projects
    assert whole.indicators_partial and whole.budget.unreadable and whole.budget.full_year is None
    assert [i.name for i in whole.indicators if i.unreadable] == ["党性教育培训次数", "公共服务"]
    lijiang = by_id["09"].projects[0]
    assert [i.nature for i in lijiang.indicators] == ["﹦", "﹦", "﹦", "≥", "≥"]
    assert lijiang.indicators[-1].score is None and "score" not in lijiang.indicators[-1].sources
    assert lijiang.budget.funding[1].blank >= {"initial", "full_year", "executed"}
    mingshan = by_id["12"].projects[0]
    assert str(mingshan.budget.full_year) == "52.800000"  # six printed decimals, 万元
    assert [n.text for n in mingshan.narrative if n.text and "滞后" in n.text]

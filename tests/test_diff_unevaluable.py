"""Year over year: a finding whose rule the later year cannot evaluate is "no longer checkable", not resolved."""
from __future__ import annotations

import json
import re

import pytest

from engine import evaluate, load_facts
from engine.analysis.diff import year_over_year
from engine.cli import cli

from .conftest import FACTS_2024, RULES


def copy_as_2025(tmp_path, edit=lambda text: text):
    """The 2024 facts as a 2025 report, with its commitments (due in 2025) left out."""
    folder = tmp_path / "2025"
    folder.mkdir()
    for source in FACTS_2024.glob("*.yaml"):
        text = source.read_text(encoding="utf-8").replace("year: 2024", "year: 2025", 1)
        text = re.sub(r"(?ms)^commitments:.*", "", text)
        (folder / source.name).write_text(edit(text), encoding="utf-8")
    return folder


def diff_of(ruleset, later):
    reports = load_facts([FACTS_2024, later])
    [d] = year_over_year(evaluate(ruleset, reports, backend="python").findings, reports, 2024, 2025).departments
    return d


def without_claims(text):
    return re.sub(r"(?ms)^claims:.*?(?=^\S)", "", text)


def test_removing_the_claims_resolves_nothing_about_them(ruleset, tmp_path):
    d = diff_of(ruleset, copy_as_2025(tmp_path, without_claims))
    assert [f for f in d.resolved if f.subject_kind == "claim"] == []
    claims = [f for f in d.unverifiable if f.subject_kind == "claim"]
    assert len(claims) >= 9  # every claim finding of the seed
    # nothing else changed either: a real (non-example) report of 2025 is still judged by the 1.00 ratio
    # (the 1.20 value is an example value that reaches only example reports)
    assert list(d.resolved) == []


def test_data_missing_in_the_later_year_is_not_resolved(ruleset, tmp_path):
    # 智慧城管's executed amount left out in 2025: its low execution rate can no longer be checked
    def drop_executed(text):
        return re.sub(r"(?m)^(\s+)executed: 111\.85.*\n", "", text, count=1)

    d = diff_of(ruleset, copy_as_2025(tmp_path, drop_executed))
    key = ("execution.below-warning-line", "智慧城管")
    assert key in {(f.rule, f.project) for f in d.unverifiable}
    assert key not in {(f.rule, f.project) for f in d.resolved}


@pytest.mark.parametrize("fmt, word", [("text", "无法再核查 "), ("json", '"unverifiable"'), ("html", "无法再核查")])
def test_every_format_names_the_category(runner, tmp_path, fmt, word):
    later = copy_as_2025(tmp_path, without_claims)
    result = runner.invoke(cli, ["diff", str(FACTS_2024), str(later), "--rules", str(RULES), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert word in result.stdout
    if fmt == "text":
        assert "已解决 0 项" in result.stdout
    if fmt == "json":
        [d] = json.loads(result.stdout)["departments"]
        assert d["summary"]["resolved"] == 0 and d["summary"]["unverifiable"] == len(d["unverifiable"]) >= 9

"""compile_rules shares a Program between rule sets of the same content (engine/construct/compile.py) and never
serves one for different content: an edit to a rule file in the same place, with the same size and mtime,
compiles anew."""
import os
import shutil

import pytest

from engine import compile, load_rules
from tests.conftest import RULES


@pytest.fixture
def rules(tmp_path):
    return shutil.copytree(RULES, tmp_path / "rules")


def _edit(path, old, new):
    """Replace `old` by `new` in place, keeping the file's mtime (a cache keyed by mtime would miss it)."""
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_same_content_shares_the_program(rules):
    assert compile(load_rules(rules)) is compile(load_rules(rules))


def test_an_edit_of_the_same_size_and_mtime_compiles_anew(rules):
    first = compile(load_rules(rules))
    size = os.stat(rules / "parameters.yaml").st_size
    _edit(rules / "parameters.yaml", "绩效评价等级档次", "绩效评价等级分档")
    assert os.stat(rules / "parameters.yaml").st_size == size
    second = compile(load_rules(rules))
    assert second is not first
    assert second.ruleset.parameters["grade_bands"].title == "绩效评价等级分档"


def test_an_equal_number_written_differently_compiles_anew(rules):
    # 90 == 90.0 as Decimals, but reports print the value as written
    first = compile(load_rules(rules))
    _edit(rules / "parameters.yaml", "min: 90,", "min: 90.0,")
    second = compile(load_rules(rules))
    assert second is not first
    assert "90.0" in repr(second.ruleset.parameters["grade_bands"]) and "90.0" not in repr(first.ruleset)


def test_a_rule_set_changed_in_place_after_compiling_is_not_served(rules):
    ruleset = load_rules(rules)
    first = compile(ruleset)
    del ruleset.parameters["grade_vocabulary"]  # the cached program's rule set no longer matches its key
    second = compile(load_rules(rules))
    assert second is not first and "grade_vocabulary" in second.ruleset.parameters


def test_the_same_files_load_as_the_same_rule_set(rules):
    assert load_rules(rules) is load_rules(rules)


def test_a_rule_set_is_loaded_anew_where_its_files_are_shown_differently(rules, monkeypatch):
    # locations show files relative to the working folder: a rule set loaded from elsewhere cites them so
    first = load_rules(rules)
    monkeypatch.chdir(rules)
    second = load_rules(rules)
    assert second is not first
    assert {r.location.file for r in second.rules} == {r.location.file.split("/")[-1] for r in first.rules}

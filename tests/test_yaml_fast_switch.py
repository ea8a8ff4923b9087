"""The YAML fast paths are chosen by an argument (yamlsrc.FAST_PATHS or fewer), not by module globals
that tests flip: each path is taken only when asked for, and every choice gives the same document."""
from __future__ import annotations

import pytest

import engine.load.yamlscan as scanner
import engine.load.yamlsrc as Y
from engine import load_facts

from .conftest import FACTS_2024

TEXT = "department: 城市管理局\nyear: 2024\nprojects:\n  - name: 智慧城管\n    score: 92.5\n"


@pytest.fixture
def taken(monkeypatch):
    """Which fast paths a call went through."""
    paths = []
    real_scan, real_compose = scanner.scan, Y._fast_document
    monkeypatch.setattr(scanner, "scan", lambda *a: paths.append("scan") or real_scan(*a))
    monkeypatch.setattr(Y, "_fast_document", lambda *a: paths.append("libyaml") or real_compose(*a))
    return paths


@pytest.mark.parametrize("fast, expected", [
    (Y.FAST_PATHS, ["scan"]), (("libyaml",), ["libyaml"]), (("scan",), ["scan"]), ((), []),
])
def test_each_fast_path_is_taken_only_when_asked_for(taken, fast, expected):
    doc, problems = Y.load_yaml_text(TEXT, "f.yaml", fast=fast)
    assert problems == [] and taken == expected
    reference, _ = Y.load_yaml_text(TEXT, "f.yaml", fast=())
    assert (doc.data, doc.where(("projects", 0, "score"))) == (reference.data, reference.where(("projects", 0, "score")))


def test_the_default_is_every_fast_path(taken):
    Y.load_yaml_text(TEXT, "f.yaml")
    assert taken == ["scan"] and Y.FAST_PATHS == ("scan", "libyaml")


def test_load_facts_passes_the_choice_down(taken):
    reports = load_facts([FACTS_2024], fast=())
    assert reports and taken == []
    assert [r.department for r in reports] == [r.department for r in load_facts([FACTS_2024])]
    assert "scan" in taken

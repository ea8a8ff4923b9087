"""The supervisor (主管部门) is written once, at the top, as a transcription has it, when every form names the
same one; documents of one unit naming different supervisors keep each on its own projects."""
from __future__ import annotations

import copy

import yaml

from engine.io.documents.importer import combine, import_document

from . import documents_forms as F


def _supervised_by(form: F.Form, supervisor: str) -> F.Form:
    form = copy.deepcopy(form)
    form.rows[1][1] = (supervisor, 1, 3)
    return form


def test_one_supervisor_is_written_once(tmp_path):
    F.write_html(tmp_path / "a.html", [F.PUTUO_1, F.PUTUO_2])
    data = yaml.safe_load(combine([import_document(tmp_path / "a.html", "a.html")])[0])
    assert data["supervisor"] == "上海市普陀区体育局"
    assert all("supervisor" not in p for p in data["projects"])


def test_documents_of_one_unit_with_different_supervisors_keep_them_on_their_projects(tmp_path):
    F.write_html(tmp_path / "a.html", [F.PUTUO_1])
    F.write_html(tmp_path / "b.html", [_supervised_by(F.PUTUO_2, "上海市普陀区财政局")])
    text, problems = combine([import_document(tmp_path / n, n) for n in ("a.html", "b.html")])
    data = yaml.safe_load(text)
    assert problems == [] and "supervisor" not in data
    assert [p["supervisor"] for p in data["projects"]] == ["上海市普陀区体育局", "上海市普陀区财政局"]
    assert "# 表1 第2行第2列" in text  # each still cites its cell

"""Every reading format, document -> import -> facts: forms transcribed from shared/examples are written as
HTML, DOCX, XLSX, XLS (xlrd's interface) and PDF, and each must give the transcription's values."""
from __future__ import annotations

import pytest

from engine.io.documents.importer import import_document
from engine.io.spreadsheet.yamlwrite import Sourced

from . import documents_forms as F
from .documents_forms import plain

FORMATS = ["html", "docx", "xlsx", "xls", "pdf"]


def imported(tmp_path, monkeypatch, kind: str, forms: list, **options):
    path = tmp_path / f"form.{kind}"
    if kind == "xls":
        import xlrd

        path.write_bytes(b"not read: xlrd is replaced below")
        monkeypatch.setattr(xlrd, "open_workbook", lambda *a, **k: F.FakeXls(forms))
    else:
        F.WRITERS[kind](path, forms, **options)
    return import_document(path, path.name)


@pytest.mark.parametrize("kind", FORMATS)
def test_putuo_form_equals_the_transcription(tmp_path, monkeypatch, kind):
    result = imported(tmp_path, monkeypatch, kind, [F.PUTUO_1])
    data = result.data
    assert plain(data["department"]) == "上海市普陀区体育事业管理中心" and data["year"] == 2022
    assert data["unit"] == "元" and plain(data["supervisor"]) == "上海市普陀区体育局"
    [project] = plain(data["projects"])
    expected = F.PUTUO_1_FACTS
    assert project == expected
    assert result.left_out == [] and result.forms == 1


@pytest.mark.parametrize("kind", FORMATS)
def test_every_value_cites_its_cell(tmp_path, monkeypatch, kind):
    data = imported(tmp_path, monkeypatch, kind, [F.PUTUO_1]).data
    budget = data["projects"][0]["budget"]
    executed = budget["executed"]
    assert isinstance(executed, Sourced)
    expected = {"html": "表1 第4行第6列", "docx": "表1 第4行第6列", "pdf": "第1页 表1 第4行第6列",
                "xlsx": "自评表!F6", "xls": "自评表!F6"}[kind]
    assert executed.ref == expected
    assert budget["section"].endswith("年度资金总额行")


@pytest.mark.parametrize("kind", FORMATS)
def test_yunnan_variant_reads_nature_value_and_unit_columns(tmp_path, monkeypatch, kind):
    [project] = plain(imported(tmp_path, monkeypatch, kind, [F.GUCHENG]).data["projects"])
    first = project["indicators"][0]
    assert first == {"level1": "产出指标", "level2": "数量指标", "name": "卫片执法补助经费", "nature": "﹦",
                     "target": "72890", "unit": "元", "actual": "72890", "weight": "10.00", "score": "9.00",
                     "deviation_reason": None}
    assert [i["score"] for i in project["indicators"]] == ["9.00", "19", "19.00", "27.00"]
    assert project["budget"]["executed"] == "7.29" and project["budget"]["rate"] == "100%"
    assert project["budget"]["funding"][1] == {"source": "上年结转资金", "initial": None, "full_year": None,
                                               "executed": None, "weight": None, "rate": None, "score": None}


@pytest.mark.parametrize("kind", FORMATS)
def test_two_forms_in_one_document_are_two_projects(tmp_path, monkeypatch, kind):
    data = imported(tmp_path, monkeypatch, kind, [F.PUTUO_1, F.PUTUO_2]).data
    names = [plain(p["name"]) for p in data["projects"]]
    assert names == ["普陀体育中心与委托运营方结算费用", "援滇对口支援及结对帮扶经费"]
    second = plain(data["projects"][1])
    assert second["budget"]["executed"] == "9034"
    assert second["budget"]["printed"] == {"executed": "9,034"}
    assert [i["target"] for i in second["indicators"]] == [None] * 5  # printed blank: null, not absent


def test_same_document_gives_the_same_bytes(tmp_path):
    from engine.io.documents.importer import combine

    path = tmp_path / "form.pdf"
    F.write_pdf(path, [F.PUTUO_1])
    first = combine([import_document(path, path.name)])[0]
    second = combine([import_document(path, path.name)])[0]
    assert first == second and "215457.6" in first

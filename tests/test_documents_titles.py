"""A title or year line printed above a table (web pages, Word files) belongs to the form in that table, also
when a page holds several forms."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.core.errors import InputError
from engine.io.documents.importer import import_document
from engine.io.documents.reading import read_document
from engine.io.documents.recognise import recognise

from . import documents_forms as F

SECOND = dataclasses.replace(F.PUTUO_2, title=["部门整体支出绩效自评表", "(2023 年度)"])


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_each_form_takes_the_title_and_year_printed_above_it(tmp_path, kind):
    path = tmp_path / f"page.{kind}"
    F.WRITERS[kind](path, [F.PUTUO_1, SECOND])
    first, second = recognise(read_document(path, path.name))
    assert (first.title, first.year.value, second.title, second.year.value) == \
        ("财政项目支出绩效自评表", 2022, "部门整体支出绩效自评表", 2023)
    assert second.scope == "部门整体" and first.scope == "项目"
    assert second.year.ref == "第4段"


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_forms_of_two_years_on_one_page_are_refused(tmp_path, kind):
    path = tmp_path / f"page.{kind}"
    F.WRITERS[kind](path, [F.PUTUO_1, SECOND])
    with pytest.raises(InputError) as caught:
        import_document(path, path.name)
    assert "年度不一致" in caught.value.diagnostics[0].message


def test_a_long_line_of_prose_above_a_table_is_not_its_title(tmp_path):
    prose = "根据区财政局要求,我中心对2021年度项目支出开展了绩效自评,并编写了项目支出绩效自评表和绩效自评报告," \
            "现将有关情况报告如下:全年共安排两个项目,均已按计划完成。"
    path = tmp_path / "page.html"
    F.write_html(path, [dataclasses.replace(F.PUTUO_1, title=[prose, *F.PUTUO_1.title])])
    [form] = recognise(read_document(path, Path(path).name))
    assert form.year.value == 2022 and form.title == "财政项目支出绩效自评表"

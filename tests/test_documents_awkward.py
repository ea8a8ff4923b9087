"""Awkward printed forms: a total row after its sub-rows, full-width digits, "—" and "/", cells that cannot be
read with certainty (left out with their place, never guessed), a form across two PDF pages, two forms in
one table, and what the document does not print (unit, year)."""
from __future__ import annotations

import pytest

from engine.core.errors import InputError
from engine.io.documents.importer import import_document

from . import documents_forms as F
from .test_documents_formats import plain

HEAD = [("项目资金(万元)", 4, 1), "", "年初预算数", "全年预算数", "全年执行数", "执行率", "得分"]


def form(*budget_rows, head=HEAD, title=("项目支出绩效自评表(２０２３年度)",)) -> F.Form:
    return F.Form(list(title), [["项目名称", ("测试项目", 1, 6)], ["实施单位", ("测试局", 1, 6)], head, *budget_rows])


def budget_of(tmp_path, the_form, kind="html", **kw):
    path = tmp_path / f"f.{kind}"
    F.WRITERS[kind](path, [the_form])
    result = import_document(path, path.name, **kw)
    return plain(result.data["projects"][0]["budget"]), result


def test_total_after_its_sub_rows_full_width_digits_and_marks(tmp_path):
    budget, result = budget_of(tmp_path, form(
        ["其中:当年财政拨款", "１０．５０", "10.50", "9.45", "90.00%", "/"],
        ["上年结转资金", "/", "—", "／", "", "/"],
        ["年度资金总额", "１０．５０", "10.50", "9.45", "９０％", "9"]))
    assert result.data["year"] == 2023
    assert budget["initial"] == "10.50" and budget["printed"] == {"initial": "１０．５０", "rate": "９０％"}
    assert budget["rate"] == "90%" and budget["score"] == "9"
    assert [f["source"] for f in budget["funding"]] == ["其中:当年财政拨款", "上年结转资金"]
    assert budget["funding"][0]["score"] == "/"
    assert budget["funding"][1] == {"source": "上年结转资金", "initial": "/", "full_year": "—", "executed": "／",
                                    "rate": None, "score": "/"}


def test_a_value_merged_down_two_rows_is_left_out_with_its_place(tmp_path):
    budget, result = budget_of(tmp_path, form(
        ["年度资金总额", "10", "10", ("9", 2, 1), "90%", "9"],
        ["其中:当年财政拨款", "10", "10", "90%", "9"]))
    assert "executed" not in budget and "executed" not in budget["funding"][0]
    assert "无法确定属于哪一行" in budget["unreadable"] and budget["funding"][0]["unreadable"] == budget["unreadable"]
    assert result.left_out == [("表1 第4行第5列", "全年执行数格合并跨第4至5行,印有“9”,无法确定属于哪一行")]


def test_a_value_merged_down_two_rows_on_a_continued_pdf_page_names_that_page_s_rows(tmp_path):
    path = tmp_path / "f.pdf"
    F.write_pdf(path, [form(["年度资金总额", "10", "10", ("9", 2, 1), "90%", "9"],
                            ["其中:当年财政拨款", "10", "10", "90%", "9"])], rows_per_page=3)
    # the rows were the joined table's: 合并跨第4至5行, for a cell on page 2's first row
    assert import_document(path, path.name).left_out == [
        ("第2页 表1 第1行第5列", "全年执行数格合并跨第1至2行,印有“9”,无法确定属于哪一行")]


@pytest.mark.parametrize("printed, reason", [
    ("32.4 31.69", "印有 2 个数"), ("1,23", "逗号既可能是千位分隔也可能是小数点"), ("5元", "印的单位是元"),
    ("约10", "不是数字")])
def test_an_amount_that_reads_two_ways_is_left_out(tmp_path, printed, reason):
    budget, result = budget_of(tmp_path, form(["年度资金总额", "10", "10", printed, "90%", "9"]))
    assert "executed" not in budget and reason in budget["unreadable"]
    assert result.left_out[0][0] == "表1 第4行第5列" and reason in result.left_out[0][1]


@pytest.mark.parametrize("kind", ["html", "docx"])
@pytest.mark.parametrize("printed", ["12\n34", "12 34", "1 234.5", "１２　３４", "1234. 5"])
def test_digits_split_by_a_space_or_a_line_break_are_not_joined(tmp_path, kind, printed):
    # "12\n34" was imported as 1234: a cell with two numbers, or one that a line break cut, is left out
    # the rows the head's first cell spans (Word refuses a merge beyond the table)
    budget, result = budget_of(tmp_path, form(["年度资金总额", "10", "10", printed, "90%", "9"],
                                              ["其中:当年财政拨款", "10", "10", "/", "/", "/"],
                                              ["上年结转资金", "/", "/", "/", "/", "/"]), kind)
    assert "executed" not in budget and "印有 2 个数" in budget["unreadable"]
    assert result.left_out[0][0] == "表1 第4行第5列"


def test_a_left_out_cell_of_a_sheet_named_with_a_space_is_named_whole(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "f.xlsx"
    F.write_xlsx(path, [form(["年度资金总额", "10", "10", "约10", "90%", "9"])])
    book = load_workbook(path)
    book.active.title = "附件1 自评表"
    book.save(path)
    result = import_document(path, path.name)
    # the place was cut at the sheet name's space: ("附件1", "自评表!E5 全年执行数“约10”不是数字")
    assert result.left_out == [("附件1 自评表!E5", "全年执行数“约10”不是数字")]


def test_spaces_beside_a_number_are_still_read(tmp_path):
    budget, _ = budget_of(tmp_path, form(["年度资金总额", " 10 ", "10 万元", "9　", "90 %", "9 分"]))
    assert (budget["initial"], budget["full_year"], budget["executed"], budget["rate"]) == ("10", "10", "9", "90%")


def test_a_rate_without_percent_sign_is_not_guessed(tmp_path):
    budget, _ = budget_of(tmp_path, form(["年度资金总额", "10", "10", "9", "0.9", "9"]))
    assert "rate" not in budget and "没有 % 号" in budget["unreadable"]


def test_thousands_separator_and_unit_suffix_read_exactly(tmp_path):
    budget, _ = budget_of(tmp_path, form(["年度资金总额", "4,753.66", "4753.66万元", "3,824.26万元", "80.45%", "8"]))
    assert (budget["initial"], budget["full_year"], budget["executed"]) == ("4753.66", "4753.66", "3824.26")
    assert budget["printed"] == {"initial": "4,753.66", "full_year": "4753.66万元", "executed": "3,824.26万元"}


def test_a_form_across_two_pdf_pages_is_joined(tmp_path):
    path = tmp_path / "split.pdf"
    F.write_pdf(path, [F.PUTUO_1], rows_per_page=12)
    result = import_document(path, path.name)
    [project] = result.data["projects"]
    assert plain(project) == F.PUTUO_1_FACTS
    third = project["indicators"][2]
    assert third["name"].ref == "第2页 表1 第1行第4列"  # cited where a person finds it, on page 2
    assert third["level1"].value == "产出指标" and third["level1"].ref == "第1页 表1 第11行第2列"
    assert project["score"]["total"].ref.startswith("第2页")


def _indicator_tables(names: list, refs: list, blank: tuple) -> list:
    """One indicator form: the first table prints its key rows, indicator header and one indicator, each further
    table one more indicator; the position `blank` (table, row, column) is not printed at all (no cell)."""
    from engine.io.documents.model import TableBuilder

    rows = [["项目名称", "测试项目", "", ""], ["实施单位", "测试局", "", ""],
            ["一级指标", "三级指标", "年度指标值", "实际完成值"], ["产出指标", "数量", "10", "9"]]
    budget, tables = [1000], []
    for n, (name, ref) in enumerate(zip(names, refs)):
        builder = TableBuilder(name, budget, ref)
        for r, row in enumerate(rows if n == 0 else [["效益指标", f"质量{n}", "5", "5"]], start=1):
            for c, text in enumerate(row, start=1):
                if (n, r, c) != blank:
                    builder.place(r, c, text)
        tables.append(builder.done())
    return tables


def test_a_blank_position_of_a_table_continued_on_the_next_page_is_named_on_its_page():
    from engine.io.documents.model import Document
    from engine.io.documents.read_pdf import _join
    from engine.io.documents.recognise import recognise

    first, second = _indicator_tables(["第1页 表1", "第2页 表1"], [None, None], blank=(1, 1, 4))
    _join(first, second)
    [form] = recognise(Document([first]), "万元")
    actual = form.indicators[1].values["actual"]
    # it was named 第2页 表1 第5行第4列: the joined table's row number with the second page's table
    assert (actual.value, actual.ref) == (None, "第2页 表1 第1行第4列")


def test_a_blank_position_on_a_sheet_named_with_an_exclamation_mark_is_named_on_that_sheet():
    from engine.io.documents.model import Document
    from engine.io.documents.recognise import recognise
    from engine.io.spreadsheet.reader import ref

    [sheet] = _indicator_tables(["附件1!自评表"], [lambda r, c: f"附件1!自评表!{ref(r, c)}"], blank=(0, 4, 4))
    [form] = recognise(Document([sheet]), "万元")
    assert form.indicators[0].values["actual"].ref == "附件1!自评表!D4"  # it was 附件1!D4, cut at the first !


def test_a_blank_at_the_start_of_a_sheet_s_row_is_named_as_its_cell(tmp_path):
    path = tmp_path / "f.xlsx"
    F.write_xlsx(path, [F.Form(["项目支出绩效自评表(2023年度)"], [
        ["项目名称", ("测试项目", 1, 5)], ["实施单位", ("测试局", 1, 5)],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分"],
        ["产出指标", "数量", "数量指标", "10", "9", "5"], ["", "", "", "10", "9", "5"]])])
    # no cell on its left: it was named 自评表 第6行第1列, unlike every other cell of a sheet
    assert import_document(path, path.name, unit="万元").left_out == [
        ("自评表!A6", "这一行有数值但三级指标为空,未导入")]


@pytest.mark.parametrize("kind", ["html", "xlsx"])
def test_a_new_level1_with_a_blank_level2_carries_no_level2_from_above(tmp_path, kind):
    path = tmp_path / f"f.{kind}"
    F.WRITERS[kind](path, [F.Form(["项目支出绩效自评表(2023年度)"], [
        ["项目名称", ("测试项目", 1, 5)], ["实施单位", ("测试局", 1, 5)],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分"],
        ["产出指标", "数量指标", "数量a", "10", "9", "5"], ["效益指标", "", "效益b", "10", "9", "5"],
        ["", "", "效益c", "10", "9", "5"]])])
    indicators = plain(import_document(path, path.name, unit="万元").data["projects"][0])["indicators"]
    # the 效益指标 rows were given 数量指标, the 二级指标 of the 产出指标 above (the template's importer gave none)
    assert [(i["level1"], i.get("level2")) for i in indicators] == [
        ("产出指标", "数量指标"), ("效益指标", None), ("效益指标", None)]


def test_two_forms_in_one_table(tmp_path):
    path = tmp_path / "both.html"
    F.write_html(path, [F.Form(F.PUTUO_1.title, F.PUTUO_1.rows + F.PUTUO_2.rows)])
    data = import_document(path, path.name).data
    assert [p["name"].value for p in data["projects"]] == ["普陀体育中心与委托运营方结算费用", "援滇对口支援及结对帮扶经费"]
    assert plain(data["projects"][0]) == F.PUTUO_1_FACTS


def test_no_printed_unit_is_asked_for_never_guessed(tmp_path):
    head = ["", "", "年初预算数", "全年预算数", "全年执行数", "执行率", "得分"]
    the_form = form(["", "年度资金总额", "10", "10", "9", "90%", "9"], head=head)
    with pytest.raises(InputError) as caught:
        budget_of(tmp_path, the_form)
    assert "没有印出金额单位" in caught.value.render() and "--unit" in caught.value.render()
    budget, result = budget_of(tmp_path, the_form, unit="元")
    assert budget["executed"] == "9" and result.data["unit"] == "元"


def test_year_must_agree_with_the_printed_one(tmp_path):
    with pytest.raises(InputError) as caught:
        budget_of(tmp_path, form(["年度资金总额", "10", "10", "9", "90%", "9"]), year=2024)
    assert "印出的年度为 2023" in caught.value.render()


def test_a_department_form_is_one_entry_named_after_the_unit(tmp_path):
    the_form = F.Form(["部门整体支出绩效自评表", "(2021年度)"], [
        ["一级预算单位名称", ("永州市零陵区林业局", 1, 6)],
        ["年度预算申请(万元)", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "4753.66万元", "4753.66万元", "3824.26万元", "10", "100%", "10"]])
    path = tmp_path / "dept.docx"
    F.write_docx(path, [the_form])
    data = import_document(path, path.name).data
    assert data["document"]["scope"] == "部门整体" and data["document"]["form"] == "部门整体支出绩效自评表"
    assert plain(data["department"]) == "永州市零陵区林业局" and data["unit"] == "万元" and data["year"] == 2021
    [project] = plain(data["projects"])
    assert project["name"] == "永州市零陵区林业局" and project["budget"]["executed"] == "3824.26"

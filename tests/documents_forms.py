"""Published forms for the document-import tests, written out in every format the importer reads.

A form is given as it is printed: title lines, then rows of cells, where a cell is its text or
(text, rowspan, colspan) and positions covered by a merge are simply not listed (the HTML rule). The forms
below are transcribed from ../shared/examples (07 普陀, 01 临翔, 09 古城区 云南 variant); where the
transcription leaves a cell open, the form here prints one reading and the test says which.
Nothing binary is committed: each test writes its files into tmp_path.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Form:
    title: list  # lines printed above the table
    rows: list  # rows of cells: text or (text, rowspan, colspan)
    after: list = field(default_factory=list)  # lines printed below the table


def cell(c) -> tuple:
    return (c, 1, 1) if isinstance(c, str) else c


def placed(rows: list) -> list:
    """[(row, col, text, rowspan, colspan)], 0-based, by the HTML placement rule."""
    taken: set = set()
    out = []
    for r, row in enumerate(rows):
        col = 0
        for c in row:
            text, rowspan, colspan = cell(c)
            while (r, col) in taken:
                col += 1
            out.append((r, col, text, rowspan, colspan))
            for rr in range(r, r + rowspan):
                for cc in range(col, col + colspan):
                    taken.add((rr, cc))
            col += colspan
    return out


def width(rows: list) -> int:
    return max(c + cs for _, c, _, _, cs in placed(rows))


def plain(value, drop=("section",)):
    """Facts data without provenance: values as text (Decimal as written), the keys in `drop` left out."""
    from decimal import Decimal

    from engine.io.spreadsheet.yamlwrite import Sourced

    if isinstance(value, Sourced):
        value = value.value
    if isinstance(value, dict):
        return {k: plain(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [plain(v, drop) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# ---- writers -----------------------------------------------------------------


def write_html(path, forms: list) -> None:
    import html

    parts = ['<html><head><meta charset="utf-8"></head><body>']
    for form in forms:
        parts += [f"<p>{html.escape(t)}</p>" for t in form.title]
        parts.append('<table border="1">')
        for row in form.rows:
            parts.append("<tr>" + "".join(
                f'<td rowspan="{rs}" colspan="{cs}">{html.escape(t)}</td>' for t, rs, cs in map(cell, row)) + "</tr>")
        parts.append("</table>")
        parts += [f"<p>{html.escape(t)}</p>" for t in form.after]
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_docx(path, forms: list) -> None:
    import docx

    document = docx.Document()
    for form in forms:
        for line in form.title:
            document.add_paragraph(line)
        n = width(form.rows)
        table = document.add_table(rows=len(form.rows), cols=n)
        # the grid once: table.cell() walks the whole table on every call (quadratic, seconds for a big form); a
        # region's corner cells are not touched by merging the regions placed before it
        grid = table._cells
        for r, c, text, rs, cs in placed(form.rows):
            target = grid[r * n + c]
            if rs > 1 or cs > 1:
                target = target.merge(grid[(r + rs - 1) * n + c + cs - 1])
            target.text = text
        for line in form.after:
            document.add_paragraph(line)
    document.save(str(path))


def _number(text: str):
    """The number a spreadsheet cell holds for printed text, with the format that shows it so; else None."""
    from decimal import Decimal, InvalidOperation

    plain = text.replace(",", "")
    percent = plain.endswith("%")
    plain = plain.rstrip("%")
    try:
        d = Decimal(plain)
    except InvalidOperation:
        return None
    places = max(0, -d.as_tuple().exponent)
    fmt = ("#,##0" if "," in text else "0") + ("." + "0" * places if places else "")
    if percent:
        return float(d / 100), ("0." + "0" * places if places else "0") + "%"
    return (int(d) if places == 0 else float(d)), fmt


def write_xlsx(path, forms: list) -> None:
    from openpyxl import Workbook

    from engine.io.spreadsheet.cellguard import set_xlsx_text

    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    top = 1
    for form in forms:
        for line in form.title:
            sheet.cell(top, 1, line)
            top += 1
        for r, c, text, rs, cs in placed(form.rows):
            target = sheet.cell(top + r, c + 1)
            number = _number(text)
            if number is not None:
                target.value, target.number_format = number
            else:
                set_xlsx_text(target, text or None)  # "=100%" is text, as a department types it
            if rs > 1 or cs > 1:
                sheet.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r + rs - 1,
                                  end_column=c + cs)
        top += len(form.rows)
        for line in form.after:
            sheet.cell(top, 1, line)
            top += 1
        top += 1
    book.save(str(path))


class FakeXls:
    """What xlrd.open_workbook(formatting_info=True) returns, for a form laid out as write_xlsx lays it out.
    No library here writes the legacy BIFF format (xlwt is unmaintained), so the xls reader is tested against
    xlrd's interface: cell types, XF number formats, merged_cells as half-open ranges."""

    class _Cell:
        def __init__(self, ctype, value, xf):
            self.ctype, self.value, self.xf_index = ctype, value, xf

    def __init__(self, forms: list):
        import xlrd
        from types import SimpleNamespace

        self.datemode = 0
        self.nsheets = 1
        formats = ["General"]
        cells, merged = {}, []
        top = 0
        for form in forms:
            for line in form.title:
                cells[(top, 0)] = (xlrd.XL_CELL_TEXT, line, 0)
                top += 1
            for r, c, text, rs, cs in placed(form.rows):
                number = _number(text)
                if number is not None:
                    formats.append(number[1])
                    cells[(top + r, c)] = (xlrd.XL_CELL_NUMBER, float(number[0]), len(formats) - 1)
                elif text:
                    cells[(top + r, c)] = (xlrd.XL_CELL_TEXT, text, 0)
                if rs > 1 or cs > 1:
                    merged.append((top + r, top + r + rs, c, c + cs))
            top += len(form.rows)
            for line in form.after:
                cells[(top, 0)] = (xlrd.XL_CELL_TEXT, line, 0)
                top += 1
            top += 1
        self.xf_list = [SimpleNamespace(format_key=i) for i in range(len(formats))]
        self.format_map = {i: SimpleNamespace(format_str=f) for i, f in enumerate(formats)}
        nrows = max(r for r, _ in cells) + 1
        ncols = max(c for _, c in cells) + 1
        empty = (xlrd.XL_CELL_EMPTY, "", 0)
        grid = {k: self._Cell(*v) for k, v in cells.items()}
        self.sheet = SimpleNamespace(name="自评表", nrows=nrows, ncols=ncols, merged_cells=merged,
                                     cell=lambda r, c: grid.get((r, c)) or self._Cell(*empty))

    def sheet_by_index(self, index):
        return self.sheet

    def unload_sheet(self, index):
        pass

    def release_resources(self):
        pass


def write_pdf(path, forms: list, rows_per_page: int | None = None) -> None:
    """Each form a ruled table in the CID font STSong-Light (no font file needed); rows_per_page splits a
    form over pages, as a long form is printed."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=9)
    story = []
    for n, form in enumerate(forms):
        if n:
            story.append(PageBreak())
        story += [Paragraph(t, style) for t in form.title]
        cols = width(form.rows)
        grid = [[""] * cols for _ in form.rows]
        spans = []
        cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6, leading=7, wordWrap="CJK")
        for r, c, text, rs, cs in placed(form.rows):
            # text wider than its cell is wrapped, as a printed form wraps it (else it runs over the next cells)
            grid[r][c] = text if len(text) * 6 < 760 / cols * cs - 8 else Paragraph(escape(text), cell_style)
            if rs > 1 or cs > 1:
                spans.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
        chunks = [grid] if not rows_per_page else [grid[i:i + rows_per_page] for i in range(0, len(grid), rows_per_page)]
        for i, chunk in enumerate(chunks):
            if i:
                story.append(PageBreak())
            offset, end = i * (rows_per_page or 0), i * (rows_per_page or 0) + len(chunk) - 1
            # a merge broken by the page break is printed in two parts, its text in the first
            own = [(k, (a[0], max(a[1], offset) - offset), (b[0], min(b[1], end) - offset)) for k, a, b in spans
                   if a[1] <= end and b[1] >= offset and min(b[1], end) > max(a[1], offset) or
                   a[1] <= end and b[1] >= offset and a[0] != b[0]]
            table = Table(chunk, colWidths=[760 / cols] * cols)
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 6),
                                       ("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0))] + own))
            story.append(table)
        story += [Paragraph(t, style) for t in form.after]
    SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=30, rightMargin=30).build(story)


WRITERS = {"html": write_html, "docx": write_docx, "xlsx": write_xlsx, "pdf": write_pdf}


# ---- the forms -------------------------------------------------------------------


def putuo(name: str, funds: list, total: list, actual: str, indicators: list, score: list | None) -> Form:
    """A national-layout form of 07 普陀 (amounts in 元): 9 columns."""
    rows = [["项目名称", (name, 1, 8)],
            ["主管部门", ("上海市普陀区体育局", 1, 3), ("实施单位", 1, 2), ("上海市普陀区体育事业管理中心", 1, 3)],
            [("项目资金 (元)", 2 + len(funds), 1), ("", 1, 2), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            [("年度资金总额", 1, 2), *total]]
    rows += [[(label, 1, 2), *values] for label, values in funds]
    rows += [[("年度总体目标", 2, 1), ("预期目标", 1, 4), ("实际完成情况", 1, 4)],
             [("", 1, 4), (actual, 1, 4)]]
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    rows.append([("绩效指标", 1 + len(indicators), 1), *head])
    rows += indicators
    if score:
        rows.append([("总分", 1, 6), *score, ""])
    return Form(["财政项目支出绩效自评表", "(2022 年度)"], rows)


PUTUO_1 = putuo("普陀体育中心与委托运营方结算费用",
                [("其中:当年财政拨款", ["250000.00", "250000.00", "215457.6", "—", "", ""]),
                 ("上年结转资金", ["0", "0", "—", "", "", ""]),
                 ("其他资金", ["0", "0", "—", "", "", ""])],
                ["250000.00", "250000.00", "215,457.6", "10", "86.19%", "8.62"],
                "已完成普陀体育中心与委托运营方费用结算。",
                [[("产出指标", 3, 1), "数量指标", "与委托运营方结算完成率", "=100%", "100%", "10", "10", ""],
                 ["质量指标", "合同结算条款完成率", "=100%", "100%", "20", "20", ""],
                 ["时效指标", "费用结算及时性", "及时", "及时", "20", "20", ""],
                 ["效益指标", "社会效益指标", "与委托运营方合同完成率", "=100%", "100%", "30", "30", ""],
                 ["满意度指标", "服务对象满意度指标", "场馆开放满意度", ">=90%", "100%", "10", "10", ""]],
                ["100", "98.62"])

# the facts the first 普陀 form must give (provenance apart), as the hand transcription has them
PUTUO_1_FACTS = {
    "name": "普陀体育中心与委托运营方结算费用",
    "implementer": "上海市普陀区体育事业管理中心",
    "budget": {"initial": "250000.00", "full_year": "250000.00", "executed": "215457.6", "weight": "10",
               "rate": "86.19%", "score": "8.62", "printed": {"executed": "215,457.6"},
               "funding": [
                   {"source": "其中:当年财政拨款", "initial": "250000.00", "full_year": "250000.00",
                    "executed": "215457.6", "weight": "—", "rate": None, "score": None},
                   {"source": "上年结转资金", "initial": "0", "full_year": "0", "executed": "—", "weight": None,
                    "rate": None, "score": None},
                   {"source": "其他资金", "initial": "0", "full_year": "0", "executed": "—", "weight": None,
                    "rate": None, "score": None}]},
    "goals": {"expected": None, "actual": "已完成普陀体育中心与委托运营方费用结算。"},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "与委托运营方结算完成率", "target": "=100%",
         "actual": "100%", "weight": "10", "score": "10", "deviation_reason": None},
        {"level1": "产出指标", "level2": "质量指标", "name": "合同结算条款完成率", "target": "=100%",
         "actual": "100%", "weight": "20", "score": "20", "deviation_reason": None},
        {"level1": "产出指标", "level2": "时效指标", "name": "费用结算及时性", "target": "及时", "actual": "及时",
         "weight": "20", "score": "20", "deviation_reason": None},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "与委托运营方合同完成率", "target": "=100%",
         "actual": "100%", "weight": "30", "score": "30", "deviation_reason": None},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "场馆开放满意度", "target": ">=90%",
         "actual": "100%", "weight": "10", "score": "10", "deviation_reason": None}],
    "score": {"weight": "100", "total": "98.62"},
}

PUTUO_2 = putuo("援滇对口支援及结对帮扶经费",
                [("其中:当年财政拨款", ["0", "0", "—", "", "", ""]),
                 ("上年结转资金", ["0", "0", "—", "", "", ""]),
                 ("其他资金", ["0", "0", "—", "", "", ""])],
                ["20000.00", "20000.00", "9,034", "10", "45.17%", "4.52"],
                "已完成援滇人员相关经费支付。",
                [[("产出指标", 3, 1), "数量指标", "经费使用率", "", "", "", "", ""],
                 ["质量指标", "经费完成情况", "", "", "", "", ""],
                 ["时效指标", "经费完成进度", "", "", "", "", ""],
                 ["效益指标", "社会效益指标", "经费使用完成情况", "", "", "", "", ""],
                 ["满意度指标", "服务对象满意度指标", "满意度", "", "", "", "", ""]],
                None)

# 01 临翔: the stored page prints two numbers for three money cells; this form prints them in one cell merged
# over the three columns, which is what "cannot be read with certainty" looks like in a document
LINXIANG = Form(
    ["2023年马鹿坑国有林场新建野生动物收容所建设项目支出绩效自评表", "项目支出绩效自评表 (2023年度)"],
    [["项目名称", ("2023年马鹿坑国有林场新建野生动物收容所建设项目", 1, 7)],
     ["主管部门", ("临沧市临翔区林业和草原局", 1, 3), "实施单位", ("临沧市临翔区林业和草原局", 1, 3)],
     [("项目资金(万元)", 3, 1), "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
     ["年度资金总额", ("32.4 31.69", 1, 3), "10", "97.80%", "9"],
     ["其中:当年财政拨款", ("32.4 31.69", 1, 3), "10", "97.80%", "9"],
     [("年度总体目标", 2, 1), ("预期目标", 1, 3), ("实际完成情况", 1, 4)],
     [("支持欠发达国有林场基础设施建设,新建马鹿坑国有林场临时野生动物收容所1间200平方米。", 1, 3),
      ("完成马鹿坑国有林场临时野生动物收容所1间200平方米,钢结构圈养围栏120米。", 1, 4)],
     ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
     [("产出指标", 4, 1), "数量指标", "野生动物收容所", "≥200平方米", "204.46平方米", "10", "10", "无"],
     ["数量指标", "钢结构圈养围栏", "≥120米", "121.5米", "10", "10", "无"],
     ["时效指标", "项目完工时限", "2023年12月", "2023年10月", "15", "15", "无"],
     ["质量指标", "项目竣工验收率", "100%", "100%", "15", "15", "无"]])

# 09 古城区: the 云南 variant (指标性质 / 指标值 / 度量单位), full-width "﹦" kept as printed
GUCHENG = Form(
    ["2020年度项目支出绩效自评表"],
    [["项目名称", ("2020年省级自然资源卫片执法补助经费支出绩效自评表", 1, 9)],
     ["主管部门", ("丽江市自然资源和规划局", 1, 4), "实施单位", ("丽江市古城区自然资源局", 1, 4)],
     [("项目资金(万元)", 5, 1), ("", 1, 3), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
     [("年度资金总额", 1, 3), "7.29", "7.29", "7.29", "10.00", "100%", "10.00"],
     [("其中:当年财政拨款", 1, 3), "7.29", "7.29", "7.29", "", "100%", ""],
     [("上年结转资金", 1, 3), "", "", "", "", "", ""],
     [("其他资金", 1, 3), "", "", "", "", "", ""],
     ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
      "偏差原因分析及改进措施"],
     [("产出指标", 3, 1), "数量指标", "卫片执法补助经费", "﹦", "72890", "元", "72890", "10.00", "9.00", ""],
     ["质量指标", "项目验收合格率", "﹦", "100", "%", "100", "20", "19", ""],
     ["时效指标", "项目完成及时率", "﹦", "100", "%", "100", "20.00", "19.00", ""],
     ["效益指标", "社会效益指标", "违法行为责停率", "≥", "95", "%", "95", "30.00", "27.00", ""]])

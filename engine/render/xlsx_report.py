"""Render stage: the 整改台账 (rectification ledger) as an xlsx workbook (binary).

One row per finding with the department's three fill-in columns; frozen header, filters,
widths sized for Chinese text, wrapped cells, A4 landscape printing with the header repeated.
A second sheet records what was checked (rules and facts versions), so a filed ledger can be
traced back to its run. Bytes are deterministic (fixed workbook and zip timestamps).
"""
from __future__ import annotations

from ..core.findings import SEVERITY_LABELS, SEVERITY_ORDER, UNEVALUABLE_LABEL, split_unevaluable
from ..core.version import VERSION
from ..io.spreadsheet.cellguard import set_xlsx_text
from ..io.spreadsheet.workbook import new_workbook, text_width, workbook_bytes
from .csv_report import FILL_IN, LEDGER_COLUMNS, ledger_rows
from .style import metadata_pairs

WRAPPED = {"问题": 46, "规则": 30, "依据": 48, "数据来源": 48, "项目": 16}
FILL_IN_WIDTHS = {"整改措施": 30, "责任科室": 12, "完成时限": 12}
LEDGER_SHEET, INFO_SHEET, TOOL_LABEL = "整改台账", "核查信息", "核查工具"


def _ledger_sheet(sheet, rows, stale: int = 0) -> None:
    """rows: ledger rows; the last `stale` of them are findings this run no longer reports (greyed)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DCE3EC")
    fill_in_fill = PatternFill("solid", fgColor="FFF4CC")
    severity_fonts = {SEVERITY_LABELS["error"]: Font(color="9B1C1C", bold=True),
                      SEVERITY_LABELS["warning"]: Font(color="8A5A00", bold=True)}
    stale_font = Font(color="808080", italic=True)
    widths = [text_width(c) + 2 for c in LEDGER_COLUMNS]
    first_fill_in = len(LEDGER_COLUMNS) - FILL_IN
    for col, name in enumerate(LEDGER_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill_in_fill if col > first_fill_in else header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            set_xlsx_text(cell, value)
            name = LEDGER_COLUMNS[col - 1]
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="center" if name in ("序号", "年度", "严重程度") else None)
            cell.border = border
            if r > len(rows) + 1 - stale:
                cell.font = stale_font
            elif name == "严重程度" and str(value)[:2] in severity_fonts:
                cell.font = severity_fonts[str(value)[:2]]
            widths[col - 1] = max(widths[col - 1], text_width(value, cap=WRAPPED.get(name, 60)) + 2)
    for col, name in enumerate(LEDGER_COLUMNS, start=1):
        width = FILL_IN_WIDTHS.get(name, widths[col - 1])
        sheet.column_dimensions[get_column_letter(col)].width = min(width, WRAPPED.get(name, 60) + 2)
    last = get_column_letter(len(LEDGER_COLUMNS))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _info_sheet(sheet, evaluation, metadata=()) -> None:
    from openpyxl.styles import Alignment, Font

    findings, unevaluable = split_unevaluable(evaluation.findings)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITY_ORDER}
    lines = [(TOOL_LABEL, f"perfaudit {VERSION}"), ("规则版本", evaluation.rules_hash),
             ("事实版本", evaluation.facts_hash or "—"), ("规则条数", evaluation.rules_evaluated),
             ("发现总数", len(findings))]
    lines[1:1] = list(metadata)  # 编制人, 复核人, 日期 when given, right under the tool
    lines += [(f"其中{SEVERITY_LABELS[s]}", counts[s]) for s in SEVERITY_ORDER]
    if unevaluable:
        lines += [(UNEVALUABLE_LABEL, f"{len(unevaluable)} 项(缺少数据,规则无法判断;不计入发现总数,台账中单独标注)")]
    lines += [("核查的报告", f"{d} {y} 年度({n} 个项目,{file})") for d, y, file, n in evaluation.reports]
    lines += [("说明", "“整改措施”“责任科室”“完成时限”三列由被审部门填写;“依据”中标注“未核实”的条款引用前须查证原文。")]
    for r, (label, value) in enumerate(lines, start=1):
        sheet.cell(row=r, column=1, value=label).font = Font(bold=True)
        cell = sheet.cell(row=r, column=2)
        set_xlsx_text(cell, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 80


def render_xlsx(evaluation, rows=None, stale: int = 0, metadata=()) -> bytes:
    """The ledger of evaluation; rows (with what departments filled in) when updating an earlier ledger."""
    workbook = new_workbook()
    ledger = workbook.active
    ledger.title = LEDGER_SHEET
    _ledger_sheet(ledger, ledger_rows(evaluation) if rows is None else rows, stale)
    _info_sheet(workbook.create_sheet(INFO_SHEET), evaluation, metadata)
    return workbook_bytes(workbook)


def render(evaluation, options) -> bytes:
    return render_xlsx(evaluation, metadata=metadata_pairs(options))

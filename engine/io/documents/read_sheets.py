"""Spreadsheets: each worksheet is one table, its cells as the sheet shows them (numbers with the decimals
and percent sign of their format). xlsx goes through the hardened reader in engine/io/spreadsheet (limits on
parts, cells and merges); legacy xls through xlrd."""
from __future__ import annotations

import itertools

from ..spreadsheet.reader import clean_text, ref, shown_number
from .model import MAX_CELLS, Document, TableBuilder, TooLarge

MAX_XLS_ROWS, MAX_XLS_COLUMNS = 10_000, 256


def shown(value, fmt: str = "General") -> str:
    """A cell's value as the sheet displays it: 20 with format 0.00 is 20.00, 0.8619 with 0.00% is 86.19%."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        d, percent = shown_number(value, fmt)
        if d is None:
            return ""
        grouped = "#,#" in fmt.split(";")[0] or "0,0" in fmt.split(";")[0]
        return format(d, ",f" if grouped else "f") + ("%" if percent else "")
    return clean_text(value)


def read_xlsx_document(path, display: str) -> Document:
    from ..spreadsheet.reader import read_xlsx

    doc = Document()
    budget = [MAX_CELLS]
    for sheet in read_xlsx(path, display):
        builder = TableBuilder(sheet.name, budget, lambda r, c, s=sheet.name: f"{s}!{ref(r, c)}")
        areas: dict = {}  # the cell holding a value -> the positions it covers (itself, or its merged range)
        for position, cell in sheet.cells.items():
            areas.setdefault(id(cell), (cell, []))[1].append(position)
        for cell, positions in sorted(areas.values(), key=lambda item: min(item[1])):
            (r1, c1), (r2, c2) = min(positions), max(positions)
            builder.place(r1, c1, "" if cell.formula else shown(cell.value, cell.fmt), r2 - r1 + 1, c2 - c1 + 1)
        doc.tables.append(builder.done())
    return doc


def read_xls_document(path) -> Document:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    doc = Document()
    budget = [MAX_CELLS]
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows > MAX_XLS_ROWS or sheet.ncols > MAX_XLS_COLUMNS:
                raise TooLarge(f"工作表“{sheet.name}”有 {sheet.nrows} 行、{sheet.ncols} 列,超过上限 "
                               f"{MAX_XLS_ROWS} 行、{MAX_XLS_COLUMNS} 列")
            builder = TableBuilder(sheet.name, budget, lambda r, c, s=sheet.name: f"{s}!{ref(r, c)}")
            covered = {}
            for r1, r2, c1, c2 in sheet.merged_cells:  # xlrd: half-open, 0-based
                covered[(r1, c1)] = (r2 - r1, c2 - c1)
                for position in itertools.product(range(r1, r2), range(c1, c2)):
                    covered.setdefault(position, None)
            for r in range(sheet.nrows):
                for c in range(sheet.ncols):
                    span = covered.get((r, c), (1, 1))
                    if span is None:
                        continue
                    text = _xls_text(book, sheet, r, c)
                    if text or span != (1, 1):
                        builder.place(r + 1, c + 1, text, *span)
            doc.tables.append(builder.done())
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return doc


def _xls_text(book, sheet, r: int, c: int) -> str:
    import xlrd

    cell = sheet.cell(r, c)
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
        fmt = book.format_map[xf.format_key].format_str if xf is not None and xf.format_key in book.format_map \
            else "General"
        return shown(cell.value, fmt)
    if cell.ctype == xlrd.XL_CELL_DATE:
        return clean_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return clean_text(cell.value)
    return ""  # empty, blank, boolean and error cells print nothing a form needs

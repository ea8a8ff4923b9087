"""Reading an xlsx within limits: only the cells that hold values, and never more than a self-evaluation needs.

A workbook is a zip of XML parts, and a small file can declare a huge one (a zip bomb, or Excel's own habit
of writing every formatted cell down to row 1,048,576). So:
- the parts' declared uncompressed sizes are checked before anything is inflated; zipfile never inflates an
  entry beyond its declared size, so the check binds;
- sheets are streamed, and empty cells and rows (`<c r="A5" s="1"/>`, `<row r="5"/>`) are cut from the bytes
  before the XML parser sees them, so a million formatted rows cost a regex scan, not a parse; no sheet is
  ever held whole, only the row being read;
- cells that hold values and the positions merged ranges cover are counted against caps; a merged range is
  clipped to the rows and columns holding data, since positions beyond them carry nothing a table could use
  (the declared dimension and a range like B20:XFD1048576 are not trusted).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from ...core.errors import Diagnostic, InputError

MiB = 1 << 20
MAX_SHEET_BYTES = 128 * MiB  # one worksheet part, uncompressed (streamed: bounded time, no memory)
MAX_PART_BYTES = 32 * MiB  # any other part (shared strings, styles: read whole by openpyxl)
MAX_TOTAL_BYTES = 512 * MiB
MAX_ROWS = 100_000  # the last row holding a value, per sheet
MAX_COLUMNS = 1_000  # the last column holding a value, per sheet
MAX_CELLS = 1_000_000  # cells holding values plus positions covered by merged ranges, whole workbook
MAX_MERGED = 100_000  # merged ranges, whole workbook
MAX_CELL_CHARS = 32_767  # what an Excel cell can hold; a csv cell is held to the same
MAX_CSV_BYTES = 64 * MiB

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _MERGE, _FORMULA = _NS + "row", _NS + "mergeCell", _NS + "f"
# Excel, LibreOffice and openpyxl write `r` first; other spellings are merely parsed, not cut (slower, same result)
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]+[0-9]+"(?: [a-zA-Z:]+="[^"<>]*")*/>')
_EMPTY_ROW = re.compile(rb'<row r="[0-9]+"(?: [a-zA-Z:]+="[^"<>]*")*(?:/>|>\s*</row>)')
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?$")


class SheetTooLarge(Exception):
    """A limit above was reached; the message says which, for the person who made the workbook."""

    def __init__(self, message: str, suggestion: str):
        super().__init__(message)
        self.suggestion = suggestion


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n} 字节"


def check_parts(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        cap = MAX_SHEET_BYTES if info.filename.startswith("xl/worksheets/") else MAX_PART_BYTES
        total += info.file_size
        if info.file_size > cap:
            raise SheetTooLarge(f"文件内部的 {info.filename} 解压后为 {_size(info.file_size)},超过上限 {_size(cap)}",
                                "删除多余的空行、空列和格式(或把数据复制到新工作簿)后另存为 .xlsx")
    if total > MAX_TOTAL_BYTES:
        raise SheetTooLarge(f"文件解压后共 {_size(total)},超过上限 {_size(MAX_TOTAL_BYTES)}",
                            "只保留自评表所需的工作表后另存为 .xlsx")


class _Stripped:
    """A worksheet part as a file, with its empty cells and rows cut out."""

    def __init__(self, source):
        self.source = source
        self.carry = b""

    def read(self, _size: int = -1) -> bytes:
        while True:
            chunk = self.source.read(MiB)
            if not chunk:
                out, self.carry = self.carry, b""
                return _strip(out)
            data = self.carry + chunk
            cut = data.rfind(b"<")  # a tag cut by the chunk boundary waits for the next chunk
            if cut <= 0:
                self.carry = data
                continue
            self.carry = data[cut:]
            return _strip(data[:cut]) or b" "  # b"" would end the parse; whitespace between tags is harmless


def _strip(data: bytes) -> bytes:
    return _EMPTY_ROW.sub(b"", _EMPTY_CELL.sub(b"", data))


class CellBudget:
    """The cells a whole workbook (or csv) may hold; every sheet's cells and merged positions are taken from it."""

    def __init__(self):
        self.left = MAX_CELLS

    def take(self, row: int, column: int) -> None:
        if row > MAX_ROWS or column > MAX_COLUMNS:
            raise SheetTooLarge(f"单元格 {ref(row, column)} 超出上限(最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列含数据)",
                                "删除表格范围以外的内容")
        self.left -= 1
        if self.left < 0:
            raise SheetTooLarge(f"含数据的单元格(含合并单元格覆盖的位置)超过 {MAX_CELLS} 个",
                                "只保留自评表所需的内容后另存为 .xlsx")

    def take_area(self, cells: int, merged: str) -> None:
        self.left -= cells
        if self.left < 0:
            raise SheetTooLarge(f"合并单元格 {merged} 覆盖的范围过大(含数据的单元格与合并覆盖的位置合计超过 "
                                f"{MAX_CELLS} 个)", "取消不需要的合并单元格")


def check_text(text: str, row: int, column: int) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise SheetTooLarge(f"单元格 {ref(row, column)} 有 {len(text)} 个字符,超过上限 {MAX_CELL_CHARS}"
                            "(Excel 单元格的上限)", "缩短该单元格的内容")


def too_large(display: str, title: str, exc: SheetTooLarge) -> InputError:
    where = f"{display} 工作表“{title}”" if title else display
    return InputError([Diagnostic(where, 0, 0, "", f"超出导入上限: {exc}", expected=LIMITS_TEXT,
                                  suggestion=exc.suggestion)])


class SheetCells:
    """The value-holding cells of one worksheet part: (row, column) -> (value, style id, has formula)."""

    def __init__(self, parser, budget: CellBudget):
        self.parser = parser  # openpyxl's WorkSheetParser, for its reading of one cell (strings, dates, numbers)
        self.budget = budget
        self.cells: dict = {}
        self.merges: list = []  # the ranges as written
        self.covered: list = []  # (top-left, positions) of each range holding a value, clipped to the data
        self.rows = self.columns = 0

    def read(self, source) -> None:
        stack, in_row = [], False
        for event, el in iterparse(_Stripped(source), events=("start", "end")):
            if event == "start":
                stack.append(el)
                in_row = in_row or el.tag == _ROW
                continue
            stack.pop()
            if el.tag == _ROW:
                self.row(el)
                in_row = False
            elif el.tag == _MERGE:
                self.merges.append(el.get("ref") or "")
                if len(self.merges) > MAX_MERGED:
                    raise SheetTooLarge(f"合并单元格超过 {MAX_MERGED} 处", "取消不需要的合并单元格")
            if stack and not in_row:
                stack[-1].remove(el)  # keep only the row being read: a cell's parts stay until its row ends
        self.covered = list(self.merged())

    def row(self, el) -> None:
        parser = self.parser
        r = el.get("r")
        parser.row_counter = int(r) if r else parser.row_counter + 1
        parser.col_counter = 0
        for c in el:
            if not len(c) and c.get("r"):
                continue
            cell = parser.parse_cell(c)
            formula = c.find(_FORMULA) is not None
            value = cell["value"]
            if value is None and not formula:
                continue
            row, column = cell["row"], cell["column"]
            if isinstance(value, str):
                check_text(value, row, column)
            self.budget.take(row, column)
            self.rows, self.columns = max(self.rows, row), max(self.columns, column)
            self.cells[(row, column)] = (value, cell["style_id"], formula)

    def merged(self):
        """(top-left, covered positions) for each merged range, clipped to the rows and columns holding data."""
        from openpyxl.utils import column_index_from_string

        for text in self.merges:
            match = _RANGE.match(text)
            if not match:
                continue
            c1, r1 = column_index_from_string(match.group(1)), int(match.group(2))
            c2, r2 = (column_index_from_string(match.group(3)), int(match.group(4))) if match.group(3) else (c1, r1)
            top = (r1, c1)
            if top not in self.cells:
                continue
            rows = range(r1, min(r2, self.rows) + 1)
            columns = range(c1, min(c2, self.columns) + 1)
            self.budget.take_area(len(rows) * len(columns), text)
            yield top, [(r, c) for r in rows for c in columns]


def ref(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def read_workbook(path: Path, display: str):
    """Yield (sheet title, SheetCells, number format of a style id) for each worksheet, within the limits."""
    from openpyxl import load_workbook
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
    from openpyxl.worksheet._reader import WorkSheetParser

    title = ""
    try:
        with zipfile.ZipFile(path) as archive:
            check_parts(archive)
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            def number_format(style_id: int) -> str:
                fmt_id = book._cell_styles[style_id].numFmtId
                if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
                    return BUILTIN_FORMATS.get(fmt_id, "General")
                return book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]

            budget = CellBudget()
            for ws in book.worksheets:
                title = ws.title
                parser = WorkSheetParser(None, ws._shared_strings, data_only=True, epoch=book.epoch,
                                         date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
                sheet = SheetCells(parser, budget)
                with book._archive.open(ws._worksheet_path) as source:
                    sheet.read(source)
                yield title, sheet, number_format
        finally:
            book.close()
    except SheetTooLarge as exc:
        raise too_large(display, title, exc) from None
    except ParseError as exc:
        where = f"{display} 工作表“{title}”" if title else display
        raise InputError([Diagnostic(where, 0, 0, "", f"xlsx 文件内部的 XML 已损坏或不完整({exc})",
                                     suggestion="文件可能下载不完整或已损坏;在 Excel 中打开并另存为 .xlsx 后重试")]) from None


LIMITS_TEXT = (f"csv 文件不超过 {_size(MAX_CSV_BYTES)};每个工作表最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列含数据;全部工作表含数据的单元格与合并单元格覆盖的位置合计不超过 "
               f"{MAX_CELLS} 个;每个单元格不超过 {MAX_CELL_CHARS} 个字符;工作表解压后不超过 {_size(MAX_SHEET_BYTES)}")

"""Read a filled-in xlsx or csv into plain grids of cells, and read numbers the way people type them.

A grid maps (row, column) to a Cell that remembers where its value was written: for a merged
range every covered position carries the top-left cell's value and reference, so a project name
merged over five indicator rows applies to all five and is cited at the cell that holds it.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Context, Decimal, InvalidOperation, getcontext
from pathlib import Path

from ...core.cjk import half_width_table
from .cellguard import csv_unguarded
from .xlsxread import (MAX_CELL_CHARS, MAX_CSV_BYTES, CellBudget, SheetTooLarge, check_text, read_workbook, ref,
                       too_large)

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# number punctuation and the colon of "单位：万元"; other full-width marks are kept as the form printed them
_HALF = half_width_table("０１２３４５６７８９．％，－＋：　")
_OPS = {"≦": "≤", "≧": "≥", "＝": "=", "＜": "<", "＞": ">", "<=": "≤", ">=": "≥", "=<": "≤", "=>": "≥"}
_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
# "12 34": two numbers, or one that a line break cut; either way not 1234, which nobody printed
_NUMBER_GAP = re.compile(r"(?<=[0-9.,])\s+(?=[0-9.,])")
_SPACES = re.compile(r"(?<![0-9.,])\s+|\s+(?![0-9.,])")
EXCEL_DIGITS = 15  # what Excel keeps and shows of a double
RATE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)%$")  # a percentage as written (65.66%), unspaced and half-width


@dataclass(frozen=True)
class Cell:
    value: object  # str / int / float / datetime, never None (absent cells are not stored)
    ref: str  # A1-style reference of the cell holding the value (top-left of a merged range)
    fmt: str = "General"  # Excel number format, "General" for csv
    formula: bool = False  # a formula whose cached result is missing


@dataclass
class Sheet:
    name: str
    cells: dict = field(default_factory=dict)  # (row, column) -> Cell, both 1-based


def read_xlsx(path: Path, display: str) -> list[Sheet]:
    """The cells holding values (and formulas without a saved result), within the limits of xlsxread."""
    sheets = []
    for title, cells, number_format in read_workbook(path, display):
        sheet = Sheet(title)
        for (r, col), (raw, style_id, is_formula) in cells.cells.items():
            if isinstance(raw, str) and not _INVISIBLE.sub("", raw).strip() and not is_formula:
                continue
            sheet.cells[(r, col)] = Cell(raw if raw is not None else "", ref(r, col),
                                         number_format(style_id) or "General", is_formula and raw is None)
        for top, covered in cells.covered:
            if top in sheet.cells:
                for position in covered:
                    sheet.cells[position] = sheet.cells[top]
        sheets.append(sheet)
    return sheets


def decode_csv(raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's “Unicode 文本”) or, as Excel on Chinese Windows
    saves it, GB18030; returns (text, note). Bytes that are none of these raise UnicodeDecodeError."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), ""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "CSV 文件是 UTF-16 编码,已按 UTF-16 读取"
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "CSV 文件不是 UTF-8 编码,已按 GB18030(GBK)读取"


def read_csv(path: Path, display: str) -> tuple[list[Sheet], str]:
    """One sheet named after the file, held to the same limits as a workbook (xlsxread)."""
    sheet = Sheet(path.stem)
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise SheetTooLarge(f"csv 文件大小 {path.stat().st_size} 字节,超过上限 {MAX_CSV_BYTES} 字节",
                                "只保留自评表所需的内容")
        text, note = decode_csv(path.read_bytes())
        budget = CellBudget()
        previous = csv.field_size_limit(MAX_CELL_CHARS + 1)  # a longer cell is reported by check_text, at its cell
        try:
            rows = csv.reader(io.StringIO(text, newline=""))
            for r, row in enumerate(rows, start=1):
                for col, value in enumerate(row, start=1):
                    check_text(value, r, col)
                    if _INVISIBLE.sub("", value).strip():
                        budget.take(r, col)
                        sheet.cells[(r, col)] = Cell(csv_unguarded(value), ref(r, col))
        except csv.Error:  # only a cell beyond the field limit set above
            raise SheetTooLarge(f"第 {rows.line_num} 行有单元格超过 {MAX_CELL_CHARS} 个字符",
                                "缩短该单元格的内容") from None
        finally:
            csv.field_size_limit(previous)
    except SheetTooLarge as exc:
        raise too_large(display, "", exc) from None
    return [sheet], note


# ---- reading values -------------------------------------------------------------


def clean_text(value) -> str:
    """Text as written, without invisible characters or surrounding (full-width) spaces."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return _INVISIBLE.sub("", str(value)).replace("\u00a0", " ").strip(" \t\r\n\u3000")


def half_width(text: str) -> str:
    return text.translate(_HALF)


def unspaced(text: str) -> str:
    """Half-width text without its spaces, except those inside a number, for parse_number_text to refuse."""
    return _SPACES.sub("", half_width(text))


def normalise_ops(text: str) -> str:
    for alias, op in _OPS.items():
        text = text.replace(alias, op)
    return text


def format_decimals(fmt: str) -> tuple[int, bool]:
    """Decimals shown by an Excel number format and whether it is a percentage: '0.00%' -> (2, True)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", (fmt or "General").split(";")[0])
    percent = "%" in section
    match = re.search(r"\.([0#?]+)", section)
    return (len(match.group(1).replace("#", "").replace("?", "")) if match else 0), percent


def float_decimal(value: float) -> Decimal:
    """A double from a spreadsheet as the decimal Excel shows: at most 15 significant digits. An infinite or NaN
    value (a crafted cell, <v>1e999</v>) comes back as it is, for the caller to refuse at its cell."""
    if not math.isfinite(value):
        return Decimal(value)
    if value.is_integer():
        return Decimal(int(value))
    d = Decimal(repr(value))
    if d.adjusted() - d.as_tuple().exponent + 1 > EXCEL_DIGITS:
        d = round(d, EXCEL_DIGITS - 1 - d.adjusted()).normalize()
        if d.as_tuple().exponent > 0:
            d = d.quantize(Decimal(1))
    return d


def shown_number(value: int | float, fmt: str) -> tuple[Decimal | None, bool]:
    """A number cell as its format shows it, and whether the format is a percentage: 0.8619 with 0.00% is
    (86.19, True), 20 with 0.00 is (20.00, False). An infinite or NaN value is None."""
    places, percent = format_decimals(fmt)
    d = float_decimal(float(value)) if isinstance(value, float) else Decimal(value)
    if not d.is_finite():
        return None, percent
    return with_decimals(d.scaleb(2) if percent else d, places), percent


def with_decimals(d: Decimal, places: int) -> Decimal:
    """Show at least `places` decimals (the cell's format), never dropping digits the value has. The precision
    fits the value: a cell holding 1e+308 or a 30-digit integer is padded, for the digit limit to refuse at its
    cell, not failing the default 28-digit context."""
    if -d.as_tuple().exponent >= places:
        return d
    digits = max(d.adjusted(), 0) + places + 1
    return d.quantize(Decimal(1).scaleb(-places), context=Context(prec=max(getcontext().prec, digits)))


def parse_number_text(text: str) -> Decimal | None:
    text = half_width(text).strip()
    if _NUMBER_GAP.search(text):
        return None
    text = text.replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None

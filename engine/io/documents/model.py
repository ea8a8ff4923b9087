"""The neutral model every reader produces: tables of cells and paragraphs of text, each with its place.

A Cell is stored once, at its top-left position, with its span; `Table.grid()` gives every covered position
the cell that covers it, which is how forms are read (a label merged over three rows labels all three).
`ref` is the address a person finds the cell by: `B7` in a spreadsheet, `第2页 表1 第3行第4列` in a PDF,
`表1 第3行第4列` in a web page or Word file.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    row: int  # 1-based within its table
    col: int
    text: str  # as printed (whitespace runs kept as single spaces, ends stripped)
    rowspan: int = 1
    colspan: int = 1
    ref: str = ""


@dataclass
class Table:
    name: str  # the table's place: 表1, 第2页 表1, or a sheet name
    cells: list = field(default_factory=list)  # Cell, top-left positions only

    def grid(self) -> dict:
        """(row, col) -> the Cell covering that position."""
        out: dict = {}
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    out.setdefault((r, c), cell)
        return out

    @property
    def rows(self) -> int:
        return max((c.row + c.rowspan - 1 for c in self.cells), default=0)

    @property
    def columns(self) -> int:
        return max((c.col + c.colspan - 1 for c in self.cells), default=0)


@dataclass(frozen=True)
class Paragraph:
    text: str
    ref: str  # 第3段, 第2页 第3段
    # tables printed before it (HTML, Word): a title line above a table belongs to the form in that table
    tables_before: int | None = None


@dataclass
class Document:
    tables: list = field(default_factory=list)
    paragraphs: list = field(default_factory=list)  # text outside the tables, in order


CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"  # Chinese characters and full-width punctuation
# not between two full-width digits: "１２\n３４" is two numbers, or one a line break cut, never １２３４
_WRAP = re.compile(f"(?<=[{CJK}])(?<![０-９])\\s+(?=[{CJK}])|(?<=[{CJK}])\\s+(?=[{CJK}])(?![０-９])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def squeeze(text) -> str:
    """Printed text with line breaks and space runs as one space, and none between two Chinese characters
    (a cell wraps where the page was narrow: "与委托运营方结算完成\n率" is one word)."""
    text = " ".join(_INVISIBLE.sub("", str(text)).replace("\u00a0", " ").split())
    return _WRAP.sub("", text)


MAX_DOCUMENT_BYTES = 64 << 20  # a published form is a few MB; larger files are refused before parsing
MAX_CELLS = 200_000  # cells (positions covered by merges included) in one document
MAX_SPAN = 1_000  # a row or column span beyond this is clipped (HTML allows 65534 rows)


class TooLarge(Exception):
    """A document beyond the limits above; the message says which, in Chinese."""


class TableBuilder:
    """Places cells on a grid: explicit positions (docx, pdf, spreadsheets) or the HTML rule, where a cell
    takes the next position in its row not covered by a span from a row above."""

    def __init__(self, name: str, budget: list, ref=None):
        self.table = Table(name)
        self.ref = ref  # (row, col) -> the address shown to people; None: 表1 第3行第4列
        self.taken: set = set()
        self.budget = budget  # [cells left], shared by the whole document

    def place(self, row: int, col: int, text, rowspan: int = 1, colspan: int = 1) -> None:
        rowspan, colspan = max(1, min(rowspan, MAX_SPAN)), max(1, min(colspan, MAX_SPAN))
        self.budget[0] -= rowspan * colspan
        if self.budget[0] < 0:
            raise TooLarge(f"表格单元格(含合并覆盖的位置)超过 {MAX_CELLS} 个")
        self.taken.update(itertools.product(range(row, row + rowspan), range(col, col + colspan)))
        ref = self.ref(row, col) if self.ref else f"{self.table.name} 第{row}行第{col}列"
        self.table.cells.append(Cell(row, col, squeeze(text), rowspan, colspan, ref))

    def next_free(self, row: int, col: int) -> int:
        while (row, col) in self.taken:
            col += 1
        return col

    def done(self) -> Table:
        """The table, with row spans clipped to the rows that exist (a rowspan may promise more)."""
        last = max((c.row for c in self.table.cells), default=0)
        self.table.cells = [c if c.row + c.rowspan - 1 <= last else
                            Cell(c.row, c.col, c.text, last - c.row + 1, c.colspan, c.ref) for c in self.table.cells]
        return self.table

"""PDF with a text layer, by pdfplumber: ruled tables with their merged cells, and the text outside them.

A form that runs over a page break is printed as two tables drawn on the same column lines; the second is
joined to the first (its cells keep their own page in their address, where a person finds them).
"""
from __future__ import annotations

import re

from .narrative import HEADING, heading
from .model import CJK, MAX_CELLS, Cell, Document, Paragraph, TableBuilder, TooLarge, squeeze

MAX_PAGES = 500
_EDGE = 2.0  # points: column lines this close are the same line
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?[0-9]+(\s*页)?(\s*/\s*[0-9]+)?[-—–\s]*$")
# a PDF breaks lines where the page is full: beside a Chinese character the break is no space ("共计\n239万元")
_WRAPPED = re.compile(f"(?<=[{CJK}])\n|\n(?=[{CJK}])")


class NoTextLayer(Exception):
    """Every page is an image (a scan): there is no text to read."""


def _edges(values) -> list:
    out: list = []
    for v in sorted(values):
        if not out or v - out[-1] > _EDGE:
            out.append(v)
    return out


def _index(edges: list, v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def read_pdf(path) -> Document:
    import pdfplumber

    doc = Document()
    budget = [MAX_CELLS]
    any_text = False
    previous = None  # (table, column lines) of the last table on the page before
    with pdfplumber.open(str(path)) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise TooLarge(f"PDF 有 {len(pdf.pages)} 页,超过上限 {MAX_PAGES} 页")
        for number, page in enumerate(pdf.pages, start=1):
            any_text = any_text or bool(page.chars)
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            for index, table in enumerate(found, start=1):
                piece, columns = _piece(table, number, index, budget)
                if index == 1 and previous is not None and len(columns) == len(previous[1]) and \
                        all(abs(a - b) <= _EDGE for a, b in zip(columns, previous[1])):
                    _join(previous[0], piece)
                else:
                    doc.tables.append(piece)
            previous = (doc.tables[-1], columns) if found else None
            outside = page.filter(lambda obj, b=boxes: not any(_inside(obj, box) for box in b))
            doc.paragraphs.extend(_paragraphs(outside.extract_text_lines(return_chars=False), number))
    if not any_text:
        raise NoTextLayer()
    return doc


def _inside(obj, box) -> bool:
    x0, top, x1, bottom = box
    return obj.get("x0", -1) >= x0 - 1 and obj.get("x1", 1e9) <= x1 + 1 and \
        obj.get("top", -1) >= top - 1 and obj.get("bottom", 1e9) <= bottom + 1


def _piece(table, page: int, index: int, budget: list) -> tuple:
    """(Table, its column lines) for one table found on a page."""
    xs = _edges(b[0] for b in table.cells)
    tops = _edges(b[1] for b in table.cells)
    texts = table.extract()
    builder = TableBuilder(f"第{page}页 表{index}", budget)
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            col, line = _index(xs, box[0]), _index(tops, box[1])
            colspan = sum(1 for x in xs[col:] if x < box[2] - _EDGE) or 1
            rowspan = sum(1 for y in tops[line:] if y < box[3] - _EDGE) or 1
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else ""
            builder.place(line + 1, col + 1, _WRAPPED.sub("", text or ""), rowspan, colspan)
    return builder.done(), xs


def _join(first, second) -> None:
    """Append a continuation table's rows below the first one's (their addresses stay on their own page)."""
    offset = first.rows
    first.cells.extend(Cell(c.row + offset, c.col, c.text, c.rowspan, c.colspan, c.ref) for c in second.cells)


def _paragraphs(lines: list, page: int) -> list:
    """Lines of a page outside its tables (pdfplumber's text lines, with their place), joined into paragraphs: a
    PDF breaks lines, not paragraphs. A paragraph ends where the type size changes, at a line that stops short
    of the text's right edge, before an indented line (a paragraph's first line) or a numbered line, and after a
    heading; centred lines of one size (a title wrapped over two lines) stay one paragraph."""
    right = max((line["x1"] for line in lines), default=0)
    left = min((line["x0"] for line in lines), default=0)
    out: list = []
    current, before = "", None  # the previous line: (size, short, centred)
    for found in lines:
        line = squeeze(found["text"])
        if not line or _PAGE_NUMBER.match(line):
            continue
        size = (found["bottom"] - found["top"]) or 1  # about one character's width
        indent = found["x0"] - left
        centred = abs(indent - (right - found["x1"])) < size
        if current and (abs(size - before[0]) > size / 10 or not (centred and before[2]) and (before[1] or indent > size)
                        or HEADING.match(line) or heading(current)):
            out.append(current)
            current = ""
        current = squeeze(_WRAPPED.sub("", current + "\n" + line)) if current else line
        before = (size, found["x1"] < right - 2 * size, centred)
    if current:
        out.append(current)
    return [Paragraph(p, f"第{page}页 第{n}段") for n, p in enumerate(out, start=1)]

"""Word files: tables with their merges (w:gridSpan across columns, w:vMerge down rows) and the body's
paragraphs, in document order, by python-docx."""
from __future__ import annotations

from .model import MAX_CELLS, Document, Paragraph, TableBuilder, squeeze

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(element, tag: str) -> str | None:
    found = element.find(f"{_W}tcPr/{_W}{tag}")
    if found is None:
        return None
    return found.get(f"{_W}val", "continue" if tag == "vMerge" else "1")


_T = f"{_W}t"
_BREAKS = (f"{_W}br", f"{_W}cr", f"{_W}tab")


def _text(element) -> str:
    """The printed text; a line break or tab inside a paragraph counts as a space: "12", Shift+Enter, "34" in a
    cell was read as 1234."""
    return "\n".join("".join((t.text or "") if t.tag == _T else " " for t in p.iter(_T, *_BREAKS))
                      for p in element.iter(f"{_W}p"))


def read_docx(path) -> Document:
    import docx

    body = docx.Document(str(path)).element.body
    doc = Document()
    budget = [MAX_CELLS]
    n_par = 0
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            text = squeeze(_text(child))
            if text:
                n_par += 1
                doc.paragraphs.append(Paragraph(text, f"第{n_par}段", len(doc.tables)))
        elif child.tag == f"{_W}tbl":
            doc.tables.append(_table(child, len(doc.tables) + 1, budget))
    return doc


def _table(tbl, index: int, budget: list):
    builder = TableBuilder(f"表{index}", budget)
    spans: dict = {}  # grid column -> [row, col, text, rowspan, colspan] of a vertical merge still open
    placed: list = []
    for r, tr in enumerate(tbl.iterchildren(f"{_W}tr"), start=1):
        before = tr.find(f"{_W}trPr/{_W}gridBefore")
        col = 1 + (int(before.get(f"{_W}val", "0")) if before is not None else 0)
        for tc in tr.iterchildren(f"{_W}tc"):
            colspan = int(_val(tc, "gridSpan") or 1)
            merge = _val(tc, "vMerge")
            if merge == "continue" and col in spans:
                spans[col][3] += 1  # the cell above grows; this one holds nothing of its own
            else:
                entry = [r, col, _text(tc), 1, colspan]
                placed.append(entry)
                if merge == "restart":
                    spans[col] = entry
                else:
                    spans.pop(col, None)
            col += colspan
    for row, col, text, rowspan, colspan in placed:
        builder.place(row, col, text, rowspan, colspan)
    return builder.done()

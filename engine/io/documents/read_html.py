"""Web pages: every innermost <table> (a page may hold several forms, often inside a layout table) and the
text outside the tables, by BeautifulSoup over lxml (lenient with the broken markup of published pages)."""
from __future__ import annotations

from .model import MAX_CELLS, Document, Paragraph, TableBuilder, squeeze

_MARK = "\x00表格"  # a NUL never survives in the page's own text (lxml drops it)
_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "br", "tr", "section", "article")


def _span(tag, name: str) -> int:
    try:
        return int(str(tag.get(name, "1")).strip() or 1)
    except ValueError:
        return 1


def read_html(data: bytes) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for junk in soup(["script", "style", "noscript", "template"]):
        junk.decompose()
    doc = Document()
    budget = [MAX_CELLS]
    innermost = [t for t in soup.find_all("table") if t.find("table") is None]
    for index, element in enumerate(innermost, start=1):
        builder = TableBuilder(f"表{index}", budget)
        rows = [tr for tr in element.find_all("tr") if tr.find_parent("table") is element]
        for r, tr in enumerate(rows, start=1):
            col = 1
            for td in tr.find_all(["td", "th"], recursive=False):
                col = builder.next_free(r, col)
                colspan = _span(td, "colspan")
                builder.place(r, col, td.get_text("\n"), _span(td, "rowspan"), colspan)
                col += max(1, colspan)
        doc.tables.append(builder.done())
        element.replace_with(soup.new_string(f"\n{_MARK}{index}\n"))  # a marker line keeps its place in the text
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
    body = soup.body or soup
    tables_before = 0
    for line in body.get_text().split("\n"):
        if line.startswith(_MARK) and line[len(_MARK):].isdigit():
            tables_before = int(line[len(_MARK):])
        elif text := squeeze(line):
            doc.paragraphs.append(Paragraph(text, f"第{len(doc.paragraphs) + 1}段", tables_before))
    return doc


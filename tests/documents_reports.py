"""The free-text 自评报告 among the published examples, printed back as reports: the title, then each transcribed
narrative entry as a numbered heading (一、 二、 …, as reports number them) and its text. HTML, DOCX and PDF: a
report is published as a web page, a Word file or a PDF, never as a spreadsheet, so no XLSX/XLS is written.
"""
from __future__ import annotations

from dataclasses import dataclass


# the examples that are free-text reports: their round trip is tests/test_documents_reports.py
REPORTS = ["2022/06-leiyang-sizhong-zipingjia.yaml", "2022/10-xiping-jiaotong-xianjie.yaml",
           "2022/11-zhongxian-jinshengxiang-zhuanyizhifu.yaml"]


@dataclass
class Report:
    title: str
    blocks: list  # ("heading", text) | ("text", text), in printed order


def report(facts: dict) -> Report:
    import cn2an

    blocks, n = [], 0
    for entry in facts.get("narrative", []):
        if entry.get("heading"):
            n += 1
            blocks.append(("heading", f"{cn2an.an2cn(n)}、{entry['heading']}"))
        blocks += [("text", line) for line in str(entry.get("text") or "").split("\n") if line]
    return Report(facts["document"]["title"], blocks)


def write_html(path, r: Report) -> None:
    import html

    tags = {"heading": "h2", "text": "p"}
    parts = ['<html><head><meta charset="utf-8"></head><body>', f"<h1>{html.escape(r.title)}</h1>"]
    parts += [f"<{tags[kind]}>{html.escape(text)}</{tags[kind]}>" for kind, text in r.blocks]
    path.write_text("\n".join(parts + ["</body></html>"]), encoding="utf-8")


def write_docx(path, r: Report) -> None:
    import docx

    document = docx.Document()
    document.add_heading(r.title, level=0)
    for kind, text in r.blocks:
        if kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))


def write_pdf(path, r: Report) -> None:
    """A4 in the CID font STSong-Light; body paragraphs indented two characters, as Chinese reports print them."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    styles = {"title": ParagraphStyle("t", fontName="STSong-Light", fontSize=14, leading=20, alignment=1),
              "heading": ParagraphStyle("h", fontName="STSong-Light", fontSize=11, leading=16, spaceBefore=6),
              "text": ParagraphStyle("p", fontName="STSong-Light", fontSize=10, leading=15, firstLineIndent=20,
                                     wordWrap="CJK")}
    story = [Paragraph(escape(r.title), styles["title"])]
    story += [Paragraph(escape(text), styles[kind]) for kind, text in r.blocks]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


WRITERS = {"html": write_html, "docx": write_docx, "pdf": write_pdf}

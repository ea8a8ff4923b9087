"""Render stage: the 整改台账 (rectification ledger) as CSV, UTF-8 with BOM so Excel opens it as UTF-8.

One row per finding; the last three columns are left empty for the department to fill in.
The same rows feed the xlsx ledger (xlsx_report.py).
"""
from __future__ import annotations

import csv
import io
from array import array

from ..core.findings import SEVERITY_LABELS, UNEVALUABLE, UNEVALUABLE_LABEL, FactCitation, PolicyCitation
from ..io.spreadsheet.cellguard import csv_safe
from .style import prose
from .text_report import VERIFICATION_LABELS, cited_clause

LEDGER_COLUMNS = ("序号", "部门", "年度", "项目", "问题", "规则", "严重程度", "依据", "数据来源",
                  "整改措施", "责任科室", "完成时限")
FILL_IN = 3  # the trailing columns the department fills in


def policy_text(c: PolicyCitation) -> str:
    text = prose(cited_clause(c) + f"〔{VERIFICATION_LABELS.get(c.verification, c.verification)}〕")
    if c.quote:  # verbatim
        text += f"\n原文：{c.quote}"
    return text


def fact_text(c: FactCitation, memo: dict) -> str:
    # the same field of the same table row in every file: its prose() once for them all (memo)
    named = memo.get((c.section, c.field))
    if named is None:
        named = memo[(c.section, c.field)] = prose(f"{c.section} {c.field}")
    return f"{named} — {c.file}:{c.line}"


def ledger_row(f, memo: dict | None = None) -> list:
    """A finding's ledger row after its 序号 (which depends on the findings before it). memo: optional, shared by
    the rows of one document: the texts of citations and titles, made once (prose() of each cost 30 us, 1.3 s of
    CSV at 10,000 generated projects; the policy citations are a rule's in every one of its findings)."""
    memo = {} if memo is None else memo
    policies, facts = [], []
    for c in f.citations:
        if isinstance(c, PolicyCitation):
            text = memo.get(c)
            if text is None:
                text = memo[c] = policy_text(c)
            policies.append(text)
        else:
            facts.append(fact_text(c, memo))
    severity = UNEVALUABLE_LABEL if f.outcome == UNEVALUABLE else SEVERITY_LABELS[f.severity]
    title = memo.get((f.rule, f.title, ""))  # a 3-tuple: no clash with the (section, field) keys
    if title is None:
        title = memo[(f.rule, f.title, "")] = f"{prose(f.title)}({f.rule})"
    return [f.department, f.year, f.project or "报告整体", prose(f.message), title, severity,
            "\n".join(policies), "\n".join(facts)] + [""] * FILL_IN


def ledger_rows(evaluation) -> list[list]:
    memo: dict = {}
    return [[n] + ledger_row(f, memo) for n, f in enumerate(evaluation.findings, start=1)]


def _csv_lines(rows) -> list[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        lines.append(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    return lines


def render(evaluation, options) -> str:
    return "\ufeff" + "".join(_csv_lines([LEDGER_COLUMNS] + ledger_rows(evaluation)))


def finding_block(findings, memo: dict) -> tuple[bytes, array]:
    """Consecutive findings' ledger lines without their 序号, and each line's length in bytes (engine/run/streaming.py):
    a csv line is its cells' texts joined by commas, so "n," + the rest is the numbered line."""
    lines = [line.encode() for line in _csv_lines(ledger_row(f, memo) for f in findings)]
    return b"".join(lines), array("Q", map(len, lines))


def write_streamed(evaluation, counts: dict, blocks, write) -> None:
    """render()'s text handed to write() piece by piece, from finding_block()s in document order."""
    write("\ufeff" + _csv_lines([LEDGER_COLUMNS])[0])
    n = 0
    for data, lengths in blocks:
        start = 0
        for length in lengths:
            n += 1
            write(b"%d," % n)
            write(data[start:start + length])
            start += length

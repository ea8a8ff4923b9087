"""Export loaded facts (Report records) to the self-evaluation workbook layout.

Used to hand a department last year's figures in the standard form, and by the round-trip test
(facts -> workbook -> `perfaudit import` -> facts must give the same findings). The report's
prose numbers and commitments go to the optional 正文数据 / 整改承诺 sheets, so the round trip
covers every rule, not only the table-derived ones. Report-section labels of table values (such
as “二(一) 表 第1行”) are not carried: after an import, a value's section is its sheet!cell.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import groupby

from ...core.model import Report
from .lists import add_lists
from .template import CLAIMS, COMMITMENTS, INDICATORS, PROJECTS, build_workbook, template_csv
from .workbook import workbook_bytes

def _join(names) -> str | None:
    return "、".join(names) if names else None


def _section(record, name: str) -> str | None:
    source = record.sources.get(name)
    return source.section if source else None


def approval_text(a) -> str:
    """One 协同文件 line: 类型/对方部门/年度[/文件名]."""
    return "/".join(str(x) for x in (a.kind, a.counterpart, a.year) + ((a.document,) if a.document else ()))


def _number(value) -> Decimal | None:
    """分值 and 得分 as the sheet's numbers (a YAML integer is an int in the facts)."""
    return None if value is None else Decimal(value)


def project_row(n: int, p) -> dict:
    b, s = p.budget, p.score
    approvals = "\n".join(approval_text(a) for a in p.approvals or ())
    return {"seq": n, "name": p.name, "initial": b.initial, "full_year": b.full_year, "executed": b.executed,
            "budget_weight": _number(b.weight), "budget_score": _number(b.score), "implementer": p.implementer or None,
            "rate": b.rate, "total": s.total, "grade": s.grade, "explanation": b.explanation,
            "departments_involved": _join(p.departments_involved), "approvals": approvals or None,
            "aliases": _join(p.aliases), "renamed_from": _join(getattr(p, "renamed_from", []))}


def indicator_rows(report: Report) -> tuple[list, list]:
    rows, merges = [], []
    for p in report.projects:
        start = len(rows)
        for ind in p.indicators:
            level1, _, level2 = ind.kind.partition("-")
            rows.append({"project": p.name, "level1": ind.level1 or level1 + "指标",
                         "level2": ind.level2 or level2 + "指标", "weight": _number(ind.weight),
                         "score": _number(ind.score), "nature": ind.nature or None, "unit": ind.unit or None,
                         "name": ind.name, "target": ind.target.text if ind.target else None,
                         "actual": ind.actual.text if ind.actual else None, "deviation_reason": ind.deviation_reason,
                         "includes_tasks_of": _join(ind.includes_tasks_of)})
        if len(rows) - start > 1:  # merged, as departments lay the form out
            merges.append(("project", start, len(rows) - 1))
            for _, run in groupby(range(start, len(rows)), key=lambda i: rows[i]["level1"]):
                first, *rest = run
                if rest:  # a run of rows under one 一级指标
                    merges.append(("level1", first, rest[-1]))
    return rows, merges


def claim_row(c) -> dict:
    value = c.value
    if c.unit == "%" and isinstance(value, Decimal):
        value, unit = format(value.scaleb(2), "f") + "%", None  # a rate stays text, as the report prints it
    else:
        unit = c.unit or None
    row = {"id": c.id, "section": _section(c, "id"), "text": c.text, "measure": c.measure, "value": value,
           "unit": unit, "project": c.project, "topic": c.topic or None, "scope": c.scope or None,
           "members": _join(c.members), "complements": c.complements or None}
    if c.where is not None:
        row.update({"where_field": c.where.field, "where_op": c.where.op,
                    "where_value": c.where.value})
    return row


def commitment_row(k) -> dict:
    return {"id": k.id, "section": _section(k, "id"), "text": k.text, "kind": k.kind, "project": k.project,
            "due_year": k.due_year, "counterpart": k.counterpart,
            "budget_increase": _join(getattr(k, "budget_increase", [])),
            "budget_decrease": _join(getattr(k, "budget_decrease", []))}


def workbook_content(report: Report) -> tuple[dict, dict, dict]:
    department = {"department": report.department, "year": str(report.year), "title": report.document,
                  "unit": "万元"}
    projects = [project_row(n, p) for n, p in enumerate(report.projects, start=1)]
    totals = {key: getattr(report.totals, key) for key in ("initial", "full_year", "executed", "rate")}
    if any(v is not None for v in totals.values()):
        projects.append({"name": "合计", **totals})
    indicators, merges = indicator_rows(report)
    tables = {PROJECTS: projects, INDICATORS: indicators, CLAIMS: [claim_row(c) for c in report.claims],
              COMMITMENTS: [commitment_row(k) for k in report.commitments]}
    return department, tables, {INDICATORS: merges}


def export_xlsx(report: Report, lists=None) -> bytes:
    return template_xlsx(*workbook_content(report), lists)


def export_csv(report: Report) -> str:
    department, tables, _merges = workbook_content(report)
    return template_csv(department, tables)


def template_xlsx(department=None, tables=None, merges=None, lists=None) -> bytes:
    """lists: drop-down lists from engine/io/spreadsheet/lists.py's template_lists (none when not given)."""
    workbook = build_workbook(department, tables, merges)
    if lists:
        add_lists(workbook, lists)
    return workbook_bytes(workbook)

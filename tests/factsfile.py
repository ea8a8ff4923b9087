"""Build small, valid facts files for tests: one department-year with only the fields a case needs.

Numbers are given as Decimal (or int) and written unquoted exactly as str() prints them, so
D("90.00") reaches the engine as 90.00; strings are written JSON-quoted, which YAML reads verbatim.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

D = Decimal


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def to_yaml(value, indent: int = 0) -> str:
    """Block-style YAML for nested dicts and lists; enough for facts files, no anchors."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, (dict, list)):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 2).lstrip()
                lines.append(f"{pad}- {body}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


def project(name: str = "甲项目", *, initial=None, full_year=None, executed=None, rate: str | None = None,
            explanation: str | None = None, total=None, grade: str | None = None, indicators=(),
            departments_involved=(), approvals=None, aliases=()) -> dict:
    """A project with a budget section, and a score section only when a total or grade is given."""
    budget: dict = {"section": "二(一) 表 第1行"}
    for key, value in (("initial", initial), ("full_year", full_year), ("executed", executed), ("rate", rate),
                       ("explanation", explanation)):
        if value is not None:
            budget[key] = value
    out: dict = {"name": name}
    if aliases:
        out["aliases"] = list(aliases)
    out["budget"] = budget
    if total is not None or grade is not None:
        score: dict = {"section": "三(一) 表 第1行"}
        if total is not None:
            score["total"] = total
        if grade is not None:
            score["grade"] = grade
        out["score"] = score
    if indicators:
        out["indicators"] = list(indicators)
    if departments_involved:
        out["departments_involved"] = list(departments_involved)
        out["departments_section"] = "四(一)3 正文"
    if approvals is not None:  # None: not recorded; [] recorded as none signed
        out["approvals"] = list(approvals)
    return out


def indicator(name: str = "投入金额", *, kind: str = "产出-数量", target: str | None = None, actual: str | None = None,
              includes_tasks_of=()) -> dict:
    out: dict = {"name": name, "kind": kind, "section": "三(二)1 正文"}
    if target is not None:
        out["target"] = target
    if actual is not None:
        out["actual"] = actual
    if includes_tasks_of:
        out["includes_tasks_of"] = list(includes_tasks_of)
    return out


def approval(counterpart: str, *, kind: str = "协同备忘录", year: int = 2024) -> dict:
    return {"kind": kind, "counterpart": counterpart, "year": year, "section": "附件"}


def claim(ident: str, text: str, measure: str, value, **extra) -> dict:
    return {"id": ident, "section": "一(一) 正文", "text": text, "measure": measure, "value": value, **extra}


def facts_data(projects=None, *, department: str = "测试局", year: int = 2024, totals: dict | None = None,
               claims=(), commitments=()) -> dict:
    data: dict = {"department": department, "year": year, "unit": "万元",
                  "document": {"title": f"{department}{year}年度部门绩效自评报告"}}
    if totals is not None:
        data["totals"] = {"section": "二(一) 表 合计行", **totals}
    data["projects"] = list(projects) if projects else [project()]
    if claims:
        data["claims"] = list(claims)
    if commitments:
        data["commitments"] = list(commitments)
    return data


def facts_text(projects=None, **kwargs) -> str:
    return to_yaml(facts_data(projects, **kwargs)) + "\n"


def write_facts(directory: Path, projects=None, *, filename: str | None = None, **kwargs) -> Path:
    """Write one facts file into directory and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    name = filename or f"{kwargs.get('department', '测试局')}-{kwargs.get('year', 2024)}.yaml"
    path = directory / name
    path.write_text(facts_text(projects, **kwargs), encoding="utf-8")
    return path

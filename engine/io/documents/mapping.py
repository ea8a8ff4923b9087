"""Recognised forms -> a facts v2 document (as data for spreadsheet/yamlwrite: each value with its cell).

What cannot be settled from the document (the year, the unit, which unit printed the report) is a problem
for the person importing, never a guess; cells that could not be read are kept in the record's `unreadable`
(the fields stay absent) and listed in the summary.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..spreadsheet.yamlwrite import Sourced
from . import values
from .narrative import entries
from .recognise import Form, Record
from .vocabulary import unit_in, vocabulary

FUNDING_FIELDS = ("initial", "full_year", "executed", "weight", "rate", "score")
BUDGET_FIELDS = FUNDING_FIELDS + ("received",)  # 全年到位资金: facts v2 has it for the block's total row only
INDICATOR_FIELDS = ("level1", "level2", "name", "nature", "target", "unit", "actual", "weight", "score",
                    "deviation_reason")
PRINTED_FIELDS = {"initial", "full_year", "executed", "received", "rate", "weight", "score", "total"}
REQUIRED_TEXT = {"level1", "level2", "name", "nature"}  # never null in facts: left out when blank (a blank 度量单位 is null)


@dataclass
class Mapped:
    data: dict
    problems: list = field(default_factory=list)  # (place, message, suggestion): the file cannot be imported
    left_out: list = field(default_factory=list)  # (place, reason): cells not read
    values_read: int = 0
    places: dict = field(default_factory=dict)  # a report's paragraph -> its place with its headings (二、 第5段)


def _record(record: Record, fields, mapped: Mapped, **first) -> dict:
    data = {**first, "section": record.section}  # a funding row's source first
    printed = {}
    for key in fields:
        found = record.values.get(key)
        if found is None or found.value is None and key in REQUIRED_TEXT:
            continue
        data[key] = Sourced(found.value, found.ref)
        mapped.values_read += 1
        if found.printed is not None and key in PRINTED_FIELDS:
            printed[key] = found.printed
    if printed:
        data["printed"] = printed
    if record.unreadable:
        data["unreadable"] = ";".join(f"{where} {reason}" for where, reason in record.unreadable)
        # a cell merged down two rows is one place, though both rows name it
        mapped.left_out.extend(item for item in record.unreadable if item not in mapped.left_out)
    return data


def _budget(form: Form, mapped: Mapped) -> dict:
    if form.budget is None:
        return {"section": f"{form.table} (资金栏中没有找到年度资金总额行)"}
    out = _record(form.budget, BUDGET_FIELDS, mapped)
    if form.funding:
        out["funding"] = [_record(r, FUNDING_FIELDS, mapped, source=r.label) for r in form.funding]
    return out


WHOLE = "部门整体"  # the one "project" of a 部门整体 form (facts-format §12.2), whatever the unit is called
REGION_GIVEN = "审计人员用 --province/--city/--county 给出;原件未印出所在地"
AUDITOR_GIVEN = "审计人员用 --department 给出;原件未印出单位名称"


def _unprinted_name(form: Form, forms: list, doc, option: str | None) -> Sourced | None:
    """The name of a lone form that prints none: the one the auditor gives (--project-name), or, for a 部门整体
    form, 部门整体 (its one project is the unit as a whole, facts-format §12.2). Never a guess: with other forms
    beside it, which one a given name belongs to would be one. Its title is printed in or above its table (a
    PDF's text is not tied to a table: the document's first title)."""
    if len(forms) != 1 or {"name", "department"} & set(form.keys):
        return None
    if option:
        return Sourced(option, "审计人员用 --project-name 给出;原件未印出项目名称")
    scope = form.scope or next((found[1] for p in doc.paragraphs if (found := vocabulary().title_in(p.text))), None)
    return Sourced(WHOLE, f"{form.table}(部门整体自评表,未印出单位名称)") if scope == WHOLE else None


def project(form: Form, mapped: Mapped, own_supervisor: bool = True, unprinted: Sourced | None = None) -> dict:
    name = form.keys.get("name") or form.keys.get("department")
    out: dict = {"name": Sourced(name.value, name.ref) if name else unprinted}
    for key in ("supervisor", "implementer") if own_supervisor else ("implementer",):
        if key in form.keys:
            out[key] = Sourced(form.keys[key].value, form.keys[key].ref)
    out["section"] = form.table
    out["budget"] = _budget(form, mapped)
    if form.goals is not None and (form.goals.values or form.goals.unreadable):
        out["goals"] = _record(form.goals, ("expected", "actual"), mapped)
    if form.indicators:
        out["indicators"] = [_record(r, INDICATOR_FIELDS, mapped) for r in form.indicators]
    if form.score is not None:
        out["score"] = _record(form.score, ("weight", "total"), mapped)
    if form.narrative:
        out["narrative"] = [{"section": s, "heading": h, "text": Sourced(t, s)} for s, h, t in form.narrative]
    mapped.left_out.extend(form.left_out)
    return out


def _one(found: list, what: str, mapped: Mapped, suggestion: str):
    """The one value printed for `what` across the forms ((value, ref) pairs), or a problem when they differ."""
    distinct = {}
    for value, ref in found:
        distinct.setdefault(value, ref)
    if len(distinct) > 1:
        places = "、".join(f"{ref} 为“{value}”" for value, ref in distinct.items())
        mapped.problems.append((places.split(" ")[0], f"{what}不一致: {places}", suggestion))
        return None
    return next(iter(distinct), None)


def to_facts(doc, forms: list, display: str, year_option: int | None, unit_option: str | None,
             department_option: str | None = None, name_option: str | None = None,
             region_option: dict | None = None) -> Mapped:
    mapped = Mapped({})
    unprinted = [_unprinted_name(form, forms, doc, name_option) for form in forms]
    if name_option and not any(unprinted):
        mapped.problems.append((display, "--project-name 只用于只有一张表、且表中没有印出项目名称的文件",
                                "去掉 --project-name"))
    for form, given in zip(forms, unprinted):
        if "name" not in form.keys and "department" not in form.keys and given is None:
            mapped.problems.append((form.table, "找到了自评表,但没有印出项目名称(或单位名称)",
                                    "核对原件;该表无法导入"))
    # the year: printed in the forms or the text around them; --year must agree with it
    years = [(f.year.value, f.year.ref) for f in forms if f.year] or \
        [(y, p.ref) for p in doc.paragraphs[:20] if (y := values.year_in(p.text))][:1]
    year = _one(years, "年度", mapped, "一个文件中的表应属于同一年度;分成几个文件导入")
    if year_option is not None and year is not None and year != year_option:
        mapped.problems.append((years[0][1], f"印出的年度为 {year},与 --year {year_option} 不一致", "核对年度"))
    year = year if year is not None else year_option
    if year is None and not mapped.problems:
        mapped.problems.append((display, "没有找到印出的年度(如“2023年度”)", "用 --year 给出自评年度"))
    # the unit of the amounts: printed in the forms, or a line of text such as 单位:元
    units = [(f.unit.value, f.unit.ref) for f in forms if f.unit] or \
        [(u, p.ref) for p in doc.paragraphs if (u := unit_in(p.text))][:1]
    unit = _one(units, "金额单位", mapped, "一个文件中的表应使用同一金额单位;分成几个文件导入")
    if unit_option and unit and unit != unit_option:
        mapped.problems.append((units[0][1], f"印出的金额单位为“{unit}”,与 --unit {unit_option} 不一致", "核对单位"))
    unit = unit or unit_option
    if unit is None and any(f.budget or f.funding for f in forms):
        mapped.problems.append((display, "表中没有印出金额单位(万元或元)",
                                "用 --unit 万元 或 --unit 元 给出;perfaudit 不猜测单位"))
    data = mapped.data
    printed = [f.keys["department"] for f in forms if "department" in f.keys] or \
        [f.keys["implementer"] for f in forms if "implementer" in f.keys]  # the unit printing the form
    names = {v.value for v in printed}
    if department_option and names and names != {department_option}:
        mapped.problems.append((printed[0].ref,
                                f"印出的单位名称为“{'、'.join(sorted(names))}”,与 --department {department_option} 不一致",
                                "印出了单位名称时不必给出 --department"))
    if len(names) == 1:
        data["department"] = Sourced(names.pop(), printed[0].ref)
    elif department_option and not names:
        data["department"] = Sourced(department_option, AUDITOR_GIVEN)
    else:
        data["department"] = None
        data["department_described"] = (f"{Path(display).name} 中的单位(" +
                                         ("印有多个: " + "、".join(sorted(names)) if names else "名称未印出") + ")")
    data["year"] = year
    data["unit"] = unit or "万元"
    if region_option:  # never printed on the forms read: where the unit is comes from the auditor
        data["region"] = {k: Sourced(v, REGION_GIVEN) for k, v in region_option.items()}
    supervisors = [f.keys["supervisor"] for f in forms if "supervisor" in f.keys]
    if len({s.value for s in supervisors}) == 1:  # written once, as a transcription has it: projects inherit it
        data["supervisor"] = Sourced(supervisors[0].value, supervisors[0].ref)
    # a title printed inside the form's table, or else as a line of text above it
    titles = [f.title for f in forms if f.title] or [p.text for p in doc.paragraphs if vocabulary().title_in(p.text)]
    document = {"title": titles[0] if titles else Path(display).stem, "file": Path(display).name}
    if titles:
        document["form"], scope = vocabulary().title_in(titles[0])
        if scope == "部门整体" and forms:
            document["scope"] = scope
    document["note"] = f"由 perfaudit import 从 {Path(display).name} 读出;请对照原件核对"
    data["document"] = document
    projects = [project(f, mapped, "supervisor" not in data, given) for f, given in zip(forms, unprinted)
                if "name" in f.keys or "department" in f.keys or given is not None]
    if projects:
        data["projects"] = projects
    if not forms:
        data["narrative"] = [{k: Sourced(v, entry["section"]) if k == "text" else v for k, v in entry.items()}
                             for entry in entries(doc.paragraphs, mapped.places)]
    return mapped

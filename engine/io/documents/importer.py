"""A published document -> facts YAML text and a summary of what was read and what was left out."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...core.errors import Diagnostic, InputError
from ..output import refuse
from ..spreadsheet.importer import check_generated
from ..spreadsheet.yamlwrite import write_yaml
from .mapping import to_facts
from .prose import candidates
from .reading import read_document
from .recognise import recognise
from .review import candidate_lines
from .vocabulary import vocabulary


@dataclass
class DocumentImport:
    file: str
    department: str | None
    year: int
    forms: int
    projects: int
    values_read: int
    left_out: list = field(default_factory=list)  # (place, reason)
    candidates: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


def import_document(path: Path, display: str, year: int | None = None, unit: str | None = None,
                    department: str | None = None, project_name: str | None = None,
                    region: dict | None = None) -> DocumentImport:
    """department, project_name, region ({province, city, county}): as the auditor gives them, for a document
    that does not print them."""
    doc = read_document(path, display)
    forms = recognise(doc, unit)
    if not forms and not any(vocabulary().title_in(p.text) for p in doc.paragraphs):
        raise refuse(display, "没有找到自评表(表头含 年初预算数/全年执行数 或 三级指标/年度指标值),也不是自评报告",
                     "确认文件是预算绩效自评表或自评报告;新的表式可在 engine/io/documents/forms.yaml 中加入它的栏目名")
    mapped = to_facts(doc, forms, display, year, unit, department, project_name, region)
    if mapped.problems:
        raise InputError([Diagnostic(f"{display} {where}" if where != display else display, 0, 0, "", message,
                                     suggestion=suggestion) for where, message, suggestion in mapped.problems])
    data = mapped.data
    texts = [(mapped.places.get(p.ref, p.ref), p.text) for p in doc.paragraphs]  # in a report, under its headings
    for f in forms:
        texts += [(s, t) for s, _, t in f.narrative]
        if f.goals is not None:
            texts += [(v.ref, v.value) for v in f.goals.values.values() if v.value]
    department = data["department"].value if data.get("department") is not None else None
    return DocumentImport(display, department, data["year"], len(forms), len(data.get("projects", [])),
                          mapped.values_read, mapped.left_out, candidates(texts), data)


def grouped(results: list) -> list:
    """One facts file per unit and year (the loader takes one per department and year): the documents of a
    department that printed its name are combined, in the order given; the others stay one file each."""
    groups: dict = {}
    for r in results:
        key = (r.department, r.year) if r.department else (None, r.file)
        groups.setdefault(key, []).append(r)
    return list(groups.values())


def combine(group: list) -> tuple:
    """(facts text, problems) for the documents of one unit and year."""
    first = group[0]
    problems = []
    units = {r.data["unit"] for r in group}
    if len(units) > 1:
        problems.append(Diagnostic(first.file, 0, 0, "", f"{first.department} {first.year} 年度的文件金额单位不同("
                                   + "、".join(f"{r.file} 为{r.data['unit']}" for r in group) + "),无法合成一个事实文件",
                                   suggestion="分别导入到不同的目录"))
    seen: dict = {}
    for r in group:
        for p in r.data.get("projects", []):
            name = p["name"].value
            if name in seen and seen[name] != r.file:
                problems.append(Diagnostic(r.file, 0, 0, "", f"项目“{name}”也在 {seen[name]} 中(可能是同一份表的两种格式)",
                                           suggestion="只导入其中一个文件"))
            seen.setdefault(name, r.file)
    data = dict(first.data)
    files = "、".join(Path(r.file).name for r in group)
    if len(group) > 1:
        supervisors = {getattr(r.data.get("supervisor"), "value", None) for r in group}
        shared = len(supervisors) == 1 and None not in supervisors
        data["document"] = {**first.data["document"], "title": f"{first.department}{first.year}年度自评表",
                            "file": files, "note": f"由 perfaudit import 从 {files} 读出;请对照原件核对"}
        # a supervisor not shared by the whole group goes back to the projects of the document printing it
        projects = [p if shared or "supervisor" not in r.data or "supervisor" in p else
                    {"name": p["name"], "supervisor": r.data["supervisor"], **p}
                    for r in group for p in r.data.get("projects", [])]
        narrative = [n for r in group for n in r.data.get("narrative", [])]
        # the group's own, at the end, in this order: a shared supervisor, every narrative entry, every project
        for key, value in (("supervisor", first.data["supervisor"] if shared else None), ("narrative", narrative),
                           ("projects", projects)):
            data.pop(key, None)
            if value:
                data[key] = value
    who = first.department or data["department_described"]
    header = (f"{who} {data['year']} 年度 事实文件,由 perfaudit import 从 {files} 读出(金额单位: {data['unit']},照印出的写)。",
              "每个数值行末的注释是它在原件中的位置;unreadable 记下无法确定的格及原因(相应字段未写)。",
              "请对照原件核对后再用于核查。")
    text, refs = write_yaml(data, header)
    if not problems:  # what the loader would refuse is never written: its problems are shown at the cells
        try:
            check_generated(text, refs, "、".join(r.file for r in group), data["year"])
        except InputError as error:
            problems.extend(error.diagnostics)
    found = [c for r in group for c in r.candidates]
    text += "\n".join(candidate_lines(found)) + ("\n" if found else "")
    return text, problems

"""A published document -> facts YAML text and a summary of what was read and what was left out."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, InputError
from ..spreadsheet.yamlwrite import scalar, write_yaml
from .mapping import to_facts
from .prose import candidates
from .reading import read_document, refuse
from .recognise import recognise
from .vocabulary import vocabulary


@dataclass
class DocumentImport:
    file: str
    text: str
    department: str | None
    year: int
    forms: int
    projects: int
    values_read: int
    left_out: list = field(default_factory=list)  # (place, reason)
    candidates: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


def _candidate_lines(found: list) -> list:
    if not found:
        return []
    lines = ["", "# ---- 待确认的陈述: 从文字中抽出的数量陈述,均未确认。核对原文后,确认的移入 claims:(补上 id,",
             "# measure 从 项目个数/预算总额/执行总额/总体执行率/平均得分/满意度 … 中选定),其余删去。"]
    for c in found:
        lines += [f"#  - section: {scalar(c.section)}", f"#    text: {scalar(c.text)}",
                  f"#    measure: {c.measure or '(待定)'}", f"#    value: {scalar(c.value)}  # 印为 “{c.printed}”"]
        if c.unit:
            lines.append(f"#    unit: {c.unit}")
    return lines


def import_document(path: Path, display: str, year: int | None = None, unit: str | None = None) -> DocumentImport:
    doc = read_document(path, display)
    forms = recognise(doc, unit)
    if not forms and not any(vocabulary().title_in(p.text) for p in doc.paragraphs):
        raise refuse(display, "没有找到自评表(表头含 年初预算数/全年执行数 或 三级指标/年度指标值),也不是自评报告",
                     "确认文件是预算绩效自评表或自评报告;新的表式可在 engine/documents/forms.yaml 中加入它的栏目名")
    mapped = to_facts(doc, forms, display, year, unit)
    if mapped.problems:
        raise InputError([Diagnostic(f"{display} {where}" if where != display else display, 0, 0, "", message,
                                     suggestion=suggestion) for where, message, suggestion in mapped.problems])
    data = mapped.data
    texts = [(p.ref, p.text) for p in doc.paragraphs]
    for f in forms:
        texts += [(s, t) for s, _, t in f.narrative]
        if f.goals is not None:
            texts += [(v.ref, v.value) for v in f.goals.values.values() if v.value]
    found = candidates(texts)
    department = data["department"].value if data.get("department") is not None else None
    header = (f"{department or data['department_described']} {data['year']} 年度 事实文件,由 perfaudit import 从 "
              f"{Path(display).name} 读出(金额单位: {data['unit']},照印出的写)。",
              "每个数值行末的注释是它在原件中的位置;unreadable 记下无法确定的格及原因(相应字段未写)。",
              "请对照原件核对后再用于核查。")
    text, _ = write_yaml(data, header)
    text += "\n".join(_candidate_lines(found)) + ("\n" if found else "")
    return DocumentImport(display, text, department, data["year"], len(forms), len(data.get("projects", [])),
                          mapped.values_read, mapped.left_out, found, data)

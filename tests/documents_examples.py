"""The published examples (examples/facts/, hand transcriptions of ../shared/examples) printed back as the
forms they were transcribed from, for the document-import round trip: transcription -> form (documents_forms)
-> HTML/DOCX/XLSX/XLS/PDF -> perfaudit import -> facts, compared with the transcription apart from provenance.

A form prints every value the transcription holds, as printed (`printed` where it has one), and a blank where
the transcription has none (null, or left out as unreadable in the archived copy); so the import must give
each transcribed value, and nothing but blanks elsewhere.
"""
from __future__ import annotations

import yaml

from . import documents_forms as F

BUDGET = (("initial", "年初预算数"), ("full_year", "全年预算数"), ("executed", "全年执行数"), ("weight", "分值"),
          ("rate", "执行率"), ("score", "得分"))
INDICATOR = (("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("nature", "指标性质"),
             ("target", "年度指标值"), ("unit", "度量单位"), ("actual", "实际完成值"), ("weight", "分值"),
             ("score", "得分"), ("deviation_reason", "偏差原因分析及改进措施"))
OPTIONAL_COLUMNS = {"nature", "unit"}  # the 云南 variant's columns, printed when a transcription has them
# transcription keys that say where a value was found or why it could not be read in the archived copy
PROVENANCE = {"section", "unreadable", "note", "url", "partial", "indicators_partial"}


class _Printed(yaml.SafeLoader):
    """Numbers as their printed text (250000.00 stays 250000.00)."""


for _tag in ("int", "float"):
    _Printed.add_constructor(f"tag:yaml.org,2002:{_tag}", lambda loader, node: loader.construct_scalar(node))


def load(path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Printed)


def _text(record: dict, key: str) -> str:
    value = (record.get("printed") or {}).get(key, record.get(key))
    return "" if value is None else str(value)


def form(facts: dict, project: dict) -> F.Form:
    """One project's self-evaluation form, national layout, with the 云南 columns where they are transcribed."""
    indicators = project.get("indicators", [])
    columns = [(k, label) for k, label in INDICATOR
               if k not in OPTIONAL_COLUMNS or any(k in i for i in indicators)]
    width = len(columns)
    whole = facts["document"].get("scope") == "部门整体"
    # a 部门整体 form whose unit name is not printed (department: null) has no name row
    unnamed = whole and facts.get("department") is None
    rows = [] if unnamed else [["单位名称" if whole else "项目名称", (project["name"], 1, width - 1)]]
    supervisor = project.get("supervisor", facts.get("supervisor"))
    if supervisor or project.get("implementer"):
        rows.append(["主管部门", (supervisor or "", 1, 3), "实施单位", (project.get("implementer", ""), 1, width - 5)])
    budget = project.get("budget") or {}
    records = [("年度资金总额", budget)] + [(f["source"], f) for f in budget.get("funding", [])]
    pad = [("", 1, width - 2 - len(BUDGET))] if width > 2 + len(BUDGET) else []
    rows.append([(f"项目资金({facts['unit']})", len(records) + 1, 1), "", *(label for _, label in BUDGET), *pad])
    rows += [[label, *(_text(record, k) for k, _ in BUDGET), *pad] for label, record in records]
    goals = project.get("goals")
    if goals is not None:
        half = (width - 1) // 2
        rows += [[("年度总体目标", 2, 1), ("预期目标", 1, half), ("实际完成情况", 1, width - 1 - half)],
                 [(_text(goals, "expected"), 1, half), (_text(goals, "actual"), 1, width - 1 - half)]]
    if indicators or project.get("score"):
        rows.append([label for _, label in columns])
    rows += [[_text(i, k) for k, _ in columns] for i in indicators]
    score = project.get("score")
    if score:
        before = [k for k, _ in columns].index("weight")
        rows.append([("总分", 1, before), _text(score, "weight"), _text(score, "total"), ""])
    rows += [[n["heading"], (_text(n, "text"), 1, width - 1)] for n in project.get("narrative", [])]
    year = f"({facts['year']} 年度)"
    return F.Form([facts["document"]["title"], year], rows)


CUT = "(此后中断)"  # a transcriber's mark in a heading: where the archived copy stops
EVALUATION_BUDGET = ["", "行次", "全年预算数(A)", "统筹整合资金数(B)", "扣除统筹整合资金后预算金额(C)", "全年到位资金(D)",
                     "预算到位(D/C×100%)", "全年执行资金(E)", "预算执行(E/C×100%)", "佐证材料"]
CHECKLIST = ("情况说明", "存在问题", "改进措施")


def evaluation_forms(facts: dict, project: dict) -> list:
    """A transfer-payment 绩效评价表 (12 名山): 资金投入情况 with numbered rows and columns A—E (B, C, the funding
    rows' D and the evidence column are transcribed only as comments: printed blank here), and 资金管理情况, a
    checklist whose row labels and column give each narrative entry its heading. It prints no 项目名称."""
    budget = project["budget"]
    money = [("full_year", 2), ("received", 5), ("executed", 7), ("rate", 8)]

    def row(label, number, record):
        cells = [label, str(number)] + [""] * 8
        for key, at in money:
            cells[at] = _text(record, key)
        return cells

    rows = [EVALUATION_BUDGET, ["列次", *map(str, range(8)), "所需材料 上传端口"], row("年度资金总额(万元):", 1, budget)]
    rows += [row(f["source"], n, f) for n, f in enumerate(budget.get("funding", []), start=2)]
    checks: dict = {}  # (level1, level2) -> {column: text}, in printed order
    for entry in project.get("narrative", []):
        level1, level2, column = entry["heading"].removesuffix(CUT).split(" ")
        checks.setdefault((level1, level2), {})[column] = _text(entry, "text")
    listed = ["", "行次", "", *CHECKLIST], ["列次", "", "", "8", "9", "10"]
    number, above = len(rows) - 1, None
    for (level1, level2), texts in checks.items():
        number += 1
        span = sum(1 for l1, _ in checks if l1 == level1)
        first = [(level1, span, 1)] if level1 != above else []
        listed += ([*first, str(number), level2, *(texts.get(c, "") for c in CHECKLIST)],)
        above = level1
    title = [facts["document"]["title"], f"年度:{facts['year']}年", f"资金投入情况({facts['unit']})"]
    return [F.Form(title, rows), F.Form(["资金管理情况"], list(listed))]


def forms(facts: dict) -> list:
    if facts["document"].get("form") == "绩效评价表":
        return [f for p in facts.get("projects", []) for f in evaluation_forms(facts, p)]
    return [form(facts, p) for p in facts.get("projects", [])]


def plain(value):
    return F.plain(value, PROVENANCE)


def without_blanks(value):
    """A blank printed cell is null; the transcription leaves out what it could not read: both are no value."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value

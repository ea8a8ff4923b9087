"""Start a new year: draft facts files carried over from the latest loaded year of each department.

Projects, aliases and indicators (with their targets) are carried over; amounts, rates, actual values and
scores are left out, so the draft is a valid facts file in which every unfilled value is simply missing
(rules report "cannot evaluate", never a false pass). Commitments due in the new year are listed in the
header comment for the auditor to follow up; they stay facts of the year that made them.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..construct.years import DECREASE, INCREASE, due_year, successors
from ..core.model import Report
from .output import safe_file_name

# YAML indicators, control characters and line breaks (a plain scalar would fold them): such text is quoted
_UNSAFE = re.compile(r"[:#{}\[\],&*!|>'\"%@`\x00-\x1f\x7f\x85\u2028\u2029]|^[-?\s]|\s$")
_CJK = re.compile(r"[\u3400-\u9fff]")

FOLLOW_UP_HINTS = {
    "签订协同文件": "在该项目的 approvals 中记录已签订的文件(kind、counterpart、year、document、section)",
    "纳入下年预算": "填写该项目的全年预算;没有预算安排时规则会报告",
    "预算倾斜": "填写所列项目的全年预算,规则按承诺方向核对",
}


@dataclass(frozen=True)
class Draft:
    department: str
    filename: str  # the source facts file's name, its year replaced by the new year (or the department's)
    source: str  # the facts file it was carried over from
    text: str


def scalar(value) -> str:
    """A YAML scalar: plain when unambiguous Chinese text, JSON-quoted (which YAML reads verbatim) otherwise."""
    text = str(value)
    if text and _CJK.search(text) and not _UNSAFE.search(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow_list(values) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def drafts_for(reports, year: int) -> list[Draft]:
    """One draft per department, from its latest report before `year`; commitments due in `year` listed."""
    latest: dict = {}
    for report in reports:
        if report.year < year and (report.department not in latest or report.year > latest[report.department].year):
            latest[report.department] = report
    out = []
    for department in sorted(latest):
        report = latest[department]
        due = [(r, c) for r in reports if r.department == department for c in r.commitments
               if due_year(r, c) >= year]
        out.append(Draft(department, Path(report.file).name.replace(str(report.year), str(year)), report.file,
                         draft_text(report, year, due)))
    # two departments' files may share a name in different folders; the drafts go to one folder, named
    # after the department then (sanitised: a name is data), tagged with a hash if even those coincide
    for tagged in (False, True):
        names = Counter(d.filename for d in out)
        out = [d if names[d.filename] == 1 else replace(d, filename=safe_file_name(d.department, tagged=tagged))
               for d in out]
    return out


def _commitment_lines(due, year: int) -> list:
    lines = []
    for report, c in sorted(due, key=lambda rc: (due_year(*rc), rc[0].year, rc[1].id)):
        when = "本年到期" if due_year(report, c) == year else f"{due_year(report, c)} 年到期"
        lines.append(f"#   {report.year} 年 {c.id} [{c.kind}]({when},{c.sources['text'].section}){c.text}")
        named = [f"{label}: {value}" for label, value in (
            ("项目", c.project), ("对方部门", c.counterpart),
            (INCREASE, "、".join(c.budget_increase)), (DECREASE, "、".join(c.budget_decrease))) if value]
        if named:
            lines.append("#       " + ";".join(named))
        if c.kind in FOLLOW_UP_HINTS:
            lines.append(f"#       → {FOLLOW_UP_HINTS[c.kind]}")
    return lines


def draft_text(report: Report, year: int, due) -> str:
    previous = report.year
    out = [f"# {report.department} {year} 年度部门绩效自评报告(事实转录)—— 草稿",
           f"# 由 perfaudit new-year 根据 {report.file}({previous} 年)生成:项目、曾用名、指标和年度指标值沿用 {previous} 年,",
           "# 预算金额、执行率、实际完成值和得分已清空(写成注释)。请按本年度报告逐项填写并核对 section(报告中的位置)。",
           "# 本文件已是合法的事实文件;未填写的数据在核查时显示为“无法评估”。",
           "# 项目更名时保留新名称,并在 renamed_from 中写上原名称;上年有、本年没有的项目请删除。"]
    if due:
        out += ["#", f"# 以前年度报告的整改承诺(与 {report.file} 一起核查时,rules/follow-up.yaml 会逐条核对本年到期的承诺):"]
        out += _commitment_lines(due, year)
    out += ["", f"department: {scalar(report.department)}", f"year: {year}", "unit: 万元", "document:",
            f"  title: {scalar(f'{report.department}{year}年度部门绩效自评报告')}",
            f"  note: {scalar(f'草稿:由 perfaudit new-year 根据 {previous} 年的事实生成,尚未按 {year} 年报告填写。')}",
            ""]
    totals = report.totals.sources.get("initial") or report.totals.sources.get("full_year")
    out += ["totals:", f"  section: {scalar(totals.section if totals else '二(一) 表 合计行')}",
            "  # initial:", "  # full_year:", "  # executed:", "  # rate:", "", "projects:"]
    for project in report.projects:
        out += _project_lines(project, previous, _documents_due(project, report, due))
    out.append(f"\n# 正文数字说法(claims)与本年度的整改承诺(commitments)请按 {year} 年报告填写。")
    return "\n".join(out) + "\n"


def _documents_due(project, report: Report, due) -> list:
    """Commitments to sign a collaboration document for this project, due in the new year or later."""
    return [f"{origin.year} 年承诺 {c.id}: 与{c.counterpart}签订协同文件" for origin, c in due
            if c.kind == "签订协同文件" and any(t.project is project or project in successors(t.project, report)
                                             for t in c.targets)]


def _project_lines(project, previous: int, documents_due=()) -> list:
    budget_section = project.sources["name"].section
    out = [f"  - name: {scalar(project.name)}"]
    if project.aliases:
        out.append(f"    aliases: {flow_list(project.aliases)}")
    out += ["    budget:", f"      section: {scalar(budget_section)}   # 沿用 {previous} 年的位置,请核对",
            "      # initial:", "      # full_year:", "      # executed:", "      # rate:"]
    score = project.score.sources.get("total") or project.score.sources.get("grade")
    if score is not None:
        out += ["    # score:", f"    #   section: {scalar(score.section)}", "    #   total:", "    #   grade:"]
    if project.indicators:
        out.append("    indicators:")
        for ind in project.indicators:
            out += [f"      - name: {scalar(ind.name)}", f"        kind: {scalar(ind.kind)}",
                    f"        section: {scalar(ind.sources['name'].section)}"]
            if ind.target is not None:
                out.append(f"        target: {scalar(ind.target.text)}   # 沿用 {previous} 年的年度指标值,请核对")
            out.append("        # actual:")
    if project.departments_involved:
        out.append(f"    # departments_involved: {flow_list(project.departments_involved)}   "
                   f"# {previous} 年涉及的协同部门,本年仍涉及时取消注释")
        out.append("    # departments_section:")
    for a in project.approvals or ():
        out.append(f"    # {previous} 年已有协同文件: {a.document or a.kind}({a.counterpart},{a.year} 年)")
    for text in documents_due:
        out.append(f"    # approvals:   # {text};已签订的请在此记录,确实没有签订时写 approvals: [],"
                   "不填时规则显示为无法核查")
    out.append("")
    return out

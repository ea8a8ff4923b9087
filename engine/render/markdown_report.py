"""Render stage: the HTML report's content as Markdown (GFM tables), for pasting into documents.

The charts become a table with the same numbers, the warning line and the grade bands in force.
Every piece of text from rules or facts is escaped, so a `*` or `|` in a message cannot change
the layout.
"""
from __future__ import annotations

import re
from decimal import Decimal
from itertools import groupby

from ..run.evaluate import GRADE_BANDS, WARNING_LINE
from ..core.findings import (FAMILY_LABELS, SEVERITY_LABELS, SEVERITY_ORDER, UNEVALUABLE_LABEL, FactCitation,
                             PolicyCitation, format_value, split_unevaluable)
from ..core.version import VERSION
from .html_report import evidence_text
from .style import computed_rate, metadata_pairs, parameter_shown, prose, subject_caption
from .text_report import VERIFICATION_LABELS, cited_clause, jurisdiction_lines, not_in_force_lines

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md(value) -> str:
    """Escape Markdown punctuation and fold line breaks, so text stays text (and table cells stay cells)."""
    return _SPECIAL.sub(r"\\\1", str(value)).replace("\r", " ").replace("\n", " ")


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    return out + [""]


def policy_line(c: PolicyCitation) -> list[str]:
    text = md(cited_clause(c)) + f" 〔{md(VERIFICATION_LABELS.get(c.verification, c.verification))}〕"
    lines = [f"  - {text}"]
    if c.quote:
        lines.append(f"    > {md(c.quote)}")
    return lines


def summary(evaluation) -> list[str]:
    severities = list(SEVERITY_ORDER)
    findings, unevaluable = split_unevaluable(evaluation.findings)
    counts: dict = {}
    for f in findings:
        counts.setdefault(f.family, {s: 0 for s in severities})[f.severity] += 1
    totals = {s: sum(1 for f in findings if f.severity == s) for s in severities}
    rows = [[md(FAMILY_LABELS.get(fam, fam)), md(fam)] + [str(counts[fam][s]) for s in severities]
            + [str(sum(counts[fam].values()))] for fam in sorted(counts)]
    rows.append(["**合计**", ""] + [f"**{totals[s]}**" for s in severities] + [f"**{len(findings)}**"])
    out = ["## 核查结果汇总", "",
           "，".join(f"{SEVERITY_LABELS[s]} {totals[s]} 项" for s in severities) + "。"
           + (f"另有 {len(unevaluable)} 项{UNEVALUABLE_LABEL},不计入以上,见文末。" if unevaluable else ""), ""]
    out += table(["类别", "代码"] + [SEVERITY_LABELS[s] for s in severities] + ["合计"], rows)
    out += table(["部门", "年度", "项目数", "事实文件"],
                 [[md(d), str(y), str(n), md(file)] for d, y, file, n in evaluation.reports])
    return out


def metrics(evaluation, department: str, year: int) -> list[str]:
    rows = [m for m in evaluation.project_metrics if m.department == department and m.year == year]
    if not rows:
        return []
    params = dict(evaluation.parameters).get((department, year), {})
    line = params.get(WARNING_LINE)
    bands = params.get(GRADE_BANDS)
    out = ["### 项目数据(万元)", ""]
    out += table(["项目", "全年预算", "全年执行", "执行率(计算)", "执行率(报告)", "低于预警线", "总分", "报告等级", "应评等级"],
                 [[md(m.name), format_value(m.full_year), format_value(m.executed), computed_rate(m.rate),
                   format_value(m.reported_rate, "pct"),
                   ("是" if m.rate < line else "否") if isinstance(line, Decimal) and m.rate is not None else "—",
                   format_value(m.score), md(m.reported_grade or "—"),
                   md(m.band or "—") + (f"(报告为“{md(m.reported_band)}”)" if m.reported_band and m.band
                                        and m.reported_band != m.band else "")] for m in rows])
    if isinstance(line, Decimal):
        out += [f"预算执行率预警线:{parameter_shown(line, 'ratio')}。", ""]
    if bands:
        out += [f"绩效评价等级档次:{md(parameter_shown(bands))}。", ""]
    return out


def finding(f, formats: dict) -> list[str]:
    fmt = formats.get(f.rule, {})
    head = f"##### 〔{SEVERITY_LABELS[f.severity]}〕{md(f.title)}"
    if f.subject_kind not in ("project", "report"):
        head += f"({md(subject_caption(f))})"
    out = [head, "", md(f.message), "", f"- 规则: `{f.rule}`" + ("(无法评估)" if f.outcome != "fired" else "")]
    if f.evidence:
        out.append("- 数值: " + ";".join(f"{md(label)} = {md(evidence_text(v, fmt.get(label, '')))}"
                                          for label, v in f.evidence))
    policies = [line for c in f.citations if isinstance(c, PolicyCitation) for line in policy_line(c)]
    if policies:
        out += ["- 政策依据:", *policies]
    if f.parameters:
        out.append("- 参数: " + ";".join(f"{md(p.title)}取 {md(parameter_shown(p.value, p.kind))},"
                                          f"自 {p.from_year} 年起" for p in f.parameters))
    facts = [f"  - {md(c.section)} {md(c.field)} — `{c.file}:{c.line}`"
             for c in f.citations if isinstance(c, FactCitation)]
    if facts:
        out += ["- 数据来源:", *facts]
    return out + [""]


def render(evaluation, options) -> str:
    formats = {rule: dict(pairs) for rule, pairs in evaluation.evidence_formats}
    scope = "、".join(f"{d} {y} 年度" for d, y, _f, _n in evaluation.reports) or "(无报告)"
    out = ["# 预算绩效自评核查报告", "", f"**{md(scope)}**", "",
           f"perfaudit {VERSION} · 规则 {evaluation.rules_evaluated} 条 · 规则版本 {evaluation.rules_hash[:16]} · "
           f"事实版本 {evaluation.facts_hash or '—'}", ""]
    metadata = metadata_pairs(options)
    if metadata:
        out += ["  ".join(f"{label}:{md(value)}" for label, value in metadata), ""]
    out += summary(evaluation)
    notes = jurisdiction_lines(evaluation.jurisdictions) + not_in_force_lines(evaluation.not_in_force)
    out += [f"> {md(line)}" for line in notes] + ([""] if notes else [])
    by_report = {(y, d): [] for d, y, _f, _n in evaluation.reports}
    findings, unevaluable = split_unevaluable(evaluation.findings)
    by_report.update((key, list(group)) for key, group in groupby(findings, key=lambda f: (f.year, f.department)))
    for (year, department), group in sorted(by_report.items()):
        out += [f"## {md(department)} {year} 年度", ""]
        out += metrics(evaluation, department, year)
        out += [f"### 发现的问题(共 {len(group)} 项)" if group else "未发现问题。", ""]
        for project, items in groupby(group, key=lambda f: f.project or ""):
            out += [f"#### 【{md(project or '报告整体')}】", ""]
            for f in items:
                out += finding(f, formats)
    if unevaluable:
        out += [f"## {UNEVALUABLE_LABEL}(共 {len(unevaluable)} 项)", "",
                "以下规则因所需数据缺失而无法判断,不是发现的问题,也不计入汇总;补全数据后再核查。", ""]
        out += table(["部门", "年度", "项目", "规则", "缺少的数据"],
                     [[md(f.department), str(f.year), md(f.project or "报告整体"), f"{md(f.title)}(`{f.rule}`)",
                       md(f.message)] for f in unevaluable])
    out += ["---", "", "本报告由 perfaudit 依据 rules/ 中的规则自动生成;“未核实”的条款引用前须查证原文。", ""]
    return "\n".join(line if line.startswith("    > ") else prose(line) for line in out)  # quotes stay verbatim

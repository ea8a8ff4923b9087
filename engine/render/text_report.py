"""Render stage: findings for a terminal, grouped by department and project, CJK-aligned."""
from __future__ import annotations

from itertools import groupby

from ..core.cjk import table
from ..core.findings import (FAMILY_LABELS, SEVERITY_LABELS, UNEVALUABLE_LABEL, FactCitation, PolicyCitation,
                             split_unevaluable)
from .json_report import summary_dict
from .style import at_most, metadata_pairs, paint, prose

VERIFICATION_LABELS = {"primary": "已核实原文", "secondary": "转述来源", "local": "地方文件",
                       "unverified": "未核实"}


def policy_line(c: PolicyCitation) -> str:
    name = f"{c.title}({c.doc_no})" if c.doc_no else c.title
    text = f"依据: {name} {c.clause}"
    if c.clause_title:
        text += f"「{c.clause_title}」"
    return text + f" [{VERIFICATION_LABELS.get(c.verification, c.verification)}]"


def cited_clause(c: PolicyCitation) -> str:
    """《title》(doc_no) clause「clause title」: a cited clause as the CSV, HTML and Markdown reports name it."""
    name = f"《{c.title}》" + (f"({c.doc_no})" if c.doc_no else "")
    return f"{name} {c.clause}" + (f"「{c.clause_title}」" if c.clause_title else "")


def fact_line(c: FactCitation) -> str:
    return f"数据: {c.file}:{c.line}  {c.section}  ({c.field})"


def unevaluable_lines(unevaluable) -> list[str]:
    """The rules missing data left undecided, by report and project: one line each, what is missing."""
    out = [f"{UNEVALUABLE_LABEL} 共 {len(unevaluable)} 项(不是发现,不计入下面的汇总;补全数据后再核查)",
           "=" * 60]
    for (year, department), group in groupby(unevaluable, key=lambda f: (f.year, f.department)):
        out.append(f"{department}  {year} 年度")
        for project, items in groupby(group, key=lambda f: f.project or ""):
            out.append(f"  【{project or '报告整体'}】")
            out.extend(f"    {f.message}  ({f.rule})" for f in items)
    return out + [""]


def render(evaluation, options) -> str:
    verbose, colour = options.verbose, options.extra.get("colour")
    out = []
    findings, unevaluable = split_unevaluable(evaluation.findings)
    for (year, department), group in groupby(findings, key=lambda f: (f.year, f.department)):
        group = list(group)
        out.append(f"{department}  {year} 年度  共 {len(group)} 项发现")
        out.append("=" * 60)
        for project, items in groupby(group, key=lambda f: f.project or ""):
            out.append(f"\n【{project or '报告整体'}】")
            for f in items:
                severity = paint(f"[{SEVERITY_LABELS[f.severity]}]", f.severity, colour)
                out.append(f"  {severity} {f.title}  ({f.rule})")
                out.append(f"      {f.message}")
                policies = ["      " + policy_line(c) for c in f.citations if isinstance(c, PolicyCitation)]
                facts = ["      " + fact_line(c) for c in f.citations if isinstance(c, FactCitation)]
                out += at_most(policies, None if verbose else 2, "      (另有 {} 条依据,见 -v)")
                out += at_most(facts, None if verbose else 3, "      (另有 {} 处数据,见 -v)")
        out.append("")
    if unevaluable:
        out.extend(unevaluable_lines(unevaluable))
    summary = summary_dict(evaluation)
    out.append("汇总")
    rows = [[FAMILY_LABELS.get(family, family), str(n)] for family, n in summary["by_family"].items()]
    out.append(table(rows, ["类别", "发现数"]))
    severity = summary["by_severity"]
    out.append(f"错误 {severity['error']} 项,警告 {severity['warning']} 项,提示 {severity['info']} 项;"
               f"共评估报告 {len(summary['reports'])} 份,规则 {summary['rules']} 条。")
    if unevaluable:
        out.append(f"另有 {len(unevaluable)} 项{UNEVALUABLE_LABEL},见上。")
    out.extend(jurisdiction_lines(evaluation.jurisdictions))
    out.extend(not_in_force_lines(evaluation.not_in_force))
    if not findings:
        out.insert(0, "未发现问题。")
    metadata = metadata_pairs(options)
    if metadata:
        out.insert(0, "  ".join(f"{label}:{value}" for label, value in metadata) + "\n")
    return "\n".join(prose(line) for line in out) + "\n"


def not_in_force_lines(not_in_force) -> list:
    """One line per year: the rules not applied because a parameter they read has no value there."""
    lines = []
    for year, group in groupby(not_in_force, key=lambda item: item[0]):
        group = list(group)
        reports = max(n for *_, n in group)
        rules = "、".join(f"{rule}（缺参数 {'、'.join(missing)}" + (f"，{n} 份报告" if n != reports else "") + "）"
                         for _, rule, missing, n in group)
        lines.append(f"{len(group)} 条规则在 {year} 年无参数取值，未适用（{reports} 份报告）：{rules}")
    return lines


def jurisdiction_lines(jurisdictions) -> list:
    """Which local packs of policy applied, and to how many reports: national rules apply everywhere."""
    if not jurisdictions:
        return []
    return ["适用的地方口径：" + "、".join(f"{title}（{ident}，{n} 份报告）" for ident, title, n in jurisdictions)]

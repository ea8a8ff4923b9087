"""Render stage: one self-contained HTML document an auditor can open offline, print on A4 and file.

Inline CSS and inline SVG only: no script, no external font, image or stylesheet. No date or
backend name in the output, so the same input gives the same bytes.
"""
from __future__ import annotations

import re
from decimal import Decimal
from html import escape
from itertools import groupby

from ..run.evaluate import GRADE_BANDS, WARNING_LINE
from ..core.findings import (FAMILY_LABELS, SEVERITY_LABELS, SEVERITY_ORDER, UNEVALUABLE_LABEL, FactCitation,
                             PolicyCitation, format_value, split_unevaluable)
from ..analysis.showing import table_cells
from ..core.version import VERSION
from .charts import execution_rate_chart, score_band_chart
from .style import computed_rate, metadata_pairs, parameter_shown, prose, subject_caption
from .text_report import VERIFICATION_LABELS, cited_clause, jurisdiction_lines, not_in_force_lines

CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8.5pt; color: #555; } }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; max-width: 186mm; padding: 10mm 6mm 14mm; color: #1a1a1a; font-size: 10.5pt;
  line-height: 1.62; font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", serif; }
h1, h2, h3, h4, th, .badge, .meta, .rule, .ver, .toc, caption, .kpi {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 19pt; text-align: center; letter-spacing: 0.12em; margin: 0 0 2mm; }
.subtitle { text-align: center; font-size: 11.5pt; margin: 0; }
.run { text-align: center; color: #555; font-size: 8.5pt; margin: 1.5mm 0 5mm; }
.doc-head { border-bottom: 2px solid #1a1a1a; padding-bottom: 3mm; margin-bottom: 5mm; }
h2 { font-size: 14pt; border-left: 5px solid #27405e; padding-left: 3mm; margin: 7mm 0 3mm; }
h3 { font-size: 12pt; margin: 6mm 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid #bbb; }
h4 { font-size: 9pt; color: #444; margin: 2mm 0 0.5mm; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9.5pt; }
caption { text-align: left; font-weight: 600; font-size: 10pt; padding-bottom: 1mm; }
th, td { border: 1px solid #9a9a9a; padding: 1.2mm 2mm; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; background: #f7f7f7; }
.kpis { display: flex; gap: 3mm; margin: 2mm 0 4mm; }
.kpi { flex: 1; border: 1px solid #9a9a9a; padding: 2mm 3mm; text-align: center; }
.kpi b { display: block; font-size: 16pt; line-height: 1.2; }
.kpi.error b { color: #9b1c1c; } .kpi.warning b { color: #8a5a00; } .kpi.info b { color: #444; }
.kpi.unevaluable { border-style: dashed; } .kpi.unevaluable b { color: #777; }
figure { margin: 3mm 0 5mm; break-inside: avoid; }
figcaption { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9.5pt; font-weight: 600; margin-bottom: 1mm; }
figure .note { font-size: 8.5pt; color: #555; margin: 0.5mm 0 0; }
svg.chart { display: block; max-width: 100%; height: auto;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
svg .tick, svg .band-label, svg .legend { fill: #444; font-size: 11px; }
svg .label { fill: #1a1a1a; } svg .value { fill: #1a1a1a; font-size: 11px; }
svg .missing { fill: #777; font-style: italic; } svg .note { fill: #1a1a1a; font-size: 11px; }
svg text.below, svg text.warning-label, svg text.mismatch { fill: #a8322d; } svg .warning-label { font-size: 11px; }
article.finding { border: 1px solid #b9b9b9; border-left-width: 4px; padding: 2mm 3mm 2.5mm; margin: 0 0 3mm; }
.finding header, .finding .message { break-after: avoid; page-break-after: avoid; }
table.evidence, table.facts tr, ol.policy li { break-inside: avoid; page-break-inside: avoid; }
article.sev-error { border-left-color: #9b1c1c; } article.sev-warning { border-left-color: #b07800; }
article.sev-info { border-left-color: #777; }
.finding header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2mm; }
.finding .title { font-weight: 600; font-family: "Noto Sans CJK SC", sans-serif; }
.badge { display: inline-block; border: 1px solid; padding: 0 1.6mm; font-size: 8.5pt; line-height: 1.6; }
.badge.sev-error { color: #9b1c1c; background: #fbeaea; } .badge.sev-warning { color: #7a5300; background: #fdf3dc; }
.badge.sev-info { color: #444; background: #f0f0f0; }
.rule, .meta { font-size: 8.5pt; color: #555; } .rule { margin-left: auto; font-family: monospace; }
.message { margin: 1mm 0 1.5mm; font-size: 10.5pt; }
table.evidence { width: auto; min-width: 50%; margin: 0 0 1mm; font-size: 9pt; }
table.evidence th { text-align: left; width: 9em; background: #f5f6f8; font-weight: normal; }
ol.policy { margin: 0; padding-left: 5mm; font-size: 9pt; }
ol.policy li { margin: 0.4mm 0; }
table.facts { width: auto; margin: 0.5mm 0 0; font-size: 8.5pt; }
.fact-file { margin: 0.5mm 0 0; }
table.facts th { background: #f5f6f8; font-weight: normal; text-align: left; }
table.facts td, table.facts th { padding: 0.3mm 2mm; border-color: #c4c4c4; }
.ver { font-size: 8pt; border: 1px solid #888; padding: 0 1mm; margin-left: 1mm; white-space: nowrap; }
.ver-primary { color: #1d5a2e; border-color: #1d5a2e; } .ver-unverified { color: #9b1c1c; border-color: #9b1c1c; }
blockquote { margin: 0.8mm 0 0.8mm 2mm; padding: 0.5mm 2.5mm; border-left: 2px solid #999; color: #333; }
.url, .file { font-family: monospace; font-size: 8pt; color: #555; word-break: break-all; }
.params { font-size: 8.5pt; color: #444; margin: 1mm 0 0; }
.none { padding: 4mm; border: 1px dashed #999; text-align: center; }
footer { margin-top: 8mm; padding-top: 2mm; border-top: 1px solid #999; font-size: 8.5pt; color: #555; }
p.filing { text-align: center; font-size: 9.5pt; margin: 0 0 2mm; } p.filing span + span { margin-left: 2em; }
@media screen and (max-width: 640px) {
  body { padding: 4mm 3mm 8mm; font-size: 10pt; }
  table.metrics, table.by-family, table.reports, section.unevaluable table, table.facts {
    display: block; overflow-x: auto; -webkit-overflow-scrolling: touch; }
  table.metrics th, table.metrics td, table.by-family td, table.reports td, table.facts td, th {
    white-space: nowrap; }
  table.reports td.file, section.unevaluable td { white-space: normal; min-width: 8em; }
  .kpis { flex-wrap: wrap; } .kpi { min-width: 28%; }
  figure { overflow-x: auto; }
  svg.chart { width: 680px; max-width: none; }
  table.evidence { min-width: 0; } table.evidence th { width: auto; white-space: nowrap; }
  .rule { margin-left: 0; word-break: break-all; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; line-height: 1.45; }
  table.facts, ol.policy, .params { font-size: 8pt; } blockquote { margin: 0.3mm 0 0.3mm 2mm; padding: 0 2mm; }
  section.report + section.report { break-before: page; }
  h2 { margin-top: 5mm; } h3 { margin-top: 4mm; }
  article.finding { padding: 1.5mm 2.5mm 2mm; margin-bottom: 2.5mm; }
  .finding header { break-inside: avoid; }
  figure { margin: 2mm 0 3mm; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .badge, .kpi, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def e(value) -> str:
    return escape(str(value), quote=True)


def evidence_text(value, fmt: str) -> str:
    return format_value(value, fmt if fmt in ("pct", "wan") else "")


def policy_item(c: PolicyCitation) -> str:
    text = e(cited_clause(c))  # escaping is per character, so the same as escaping each piece
    label = VERIFICATION_LABELS.get(c.verification, c.verification)
    text += f'<span class="ver ver-{e(c.verification)}">{e(label)}</span>'
    if c.quote:
        text += f"<blockquote>{e(c.quote)}</blockquote>"
    if c.url:
        text += f' <span class="url">{e(c.url)}</span>'
    return f"<li>{text}</li>"


def facts_html(facts) -> str:
    """Fact citations per facts file; the fields read from one report section share a row."""
    out = []
    for file, group in groupby(sorted(facts, key=lambda c: (c.file, c.line, c.section, c.field)), key=lambda c: c.file):
        rows: dict = {}
        for c in group:
            fields, lines = rows.setdefault(c.section, ({}, []))  # fields: a dict as an ordered set
            fields[c.field] = None
            lines.append(str(c.line))
        body = "".join(f"<tr><td>{e(section)}</td><td>{e('、'.join(fields))}</td>"
                       f"<td class=\"num\">{e('、'.join(lines))}</td></tr>" for section, (fields, lines) in rows.items())
        out.append(f'<p class="file fact-file">{e(file)}</p><table class="facts">'
                   f"<tr><th>报告位置</th><th>数据</th><th>行</th></tr>{body}</table>")
    return "".join(out)


def finding_html(f, formats: dict) -> str:
    fmt = formats.get(f.rule, {})
    subject = ""
    if f.subject_kind not in ("project", "report"):  # an indicator, a prose claim, a commitment ...
        subject = f'<span class="meta">{e(subject_caption(f))}</span>'
    outcome = '<span class="meta">无法评估</span>' if f.outcome != "fired" else ""
    parts = [f'<article class="finding sev-{e(f.severity)}" data-rule="{e(f.rule)}">',
             f'<header><span class="badge sev-{e(f.severity)}">{e(SEVERITY_LABELS[f.severity])}</span>'
             f'<span class="title">{e(f.title)}</span>{subject}{outcome}<span class="rule">{e(f.rule)}</span></header>',
             f'<p class="message">{e(f.message)}</p>']
    if f.evidence:
        rows = "".join(f"<tr><th>{e(label)}</th><td>{e(evidence_text(value, fmt.get(label, '')))}</td></tr>"
                       for label, value in f.evidence)
        parts.append(f'<table class="evidence">{rows}</table>')
    policies = [c for c in f.citations if isinstance(c, PolicyCitation)]
    facts = [c for c in f.citations if isinstance(c, FactCitation)]
    if policies:
        parts.append('<h4>政策依据</h4><ol class="policy">' + "".join(policy_item(c) for c in policies) + "</ol>")
    uses = ";".join(f"{p.title}取 {parameter_shown(p.value, p.kind)},自 {p.from_year} 年起"
                    for p in f.parameters if p.kind != "table")
    if uses:
        parts.append(f'<p class="params">参数: {e(uses)}</p>')
    for p in f.parameters:
        if p.kind == "table":  # a decision table as a table: one row per interval
            rows = "".join(f"<tr><th>{e(interval)}</th><td>{e(result)}</td></tr>"
                           for interval, result in table_cells(p.value))
            parts.append(f'<table class="evidence params"><caption>参数: {e(p.title)},自 {p.from_year} 年起'
                         f'</caption>{rows}</table>')
    if facts:
        parts.append("<h4>数据来源</h4>" + facts_html(facts))
    parts.append("</article>")
    return "\n".join(parts)


def summary_html(evaluation) -> str:
    findings, unevaluable = split_unevaluable(evaluation.findings)
    severities = list(SEVERITY_ORDER)
    counts: dict = {}
    for f in findings:
        counts.setdefault(f.family, {s: 0 for s in severities})[f.severity] += 1
    totals = {s: sum(1 for f in findings if f.severity == s) for s in severities}
    kpis = "".join(f'<div class="kpi {s}"><b>{totals[s]}</b>{e(SEVERITY_LABELS[s])}</div>' for s in severities)
    if unevaluable:
        kpis += f'<div class="kpi unevaluable"><b>{len(unevaluable)}</b>{e(UNEVALUABLE_LABEL)}</div>'
    head = "".join(f"<th>{e(SEVERITY_LABELS[s])}</th>" for s in severities)
    rows = []
    for family in sorted(counts):
        cells = "".join(f'<td class="num">{counts[family][s]}</td>' for s in severities)
        rows.append(f"<tr><td>{e(FAMILY_LABELS.get(family, family))}</td><td class=\"rule\">{e(family)}</td>"
                    f'{cells}<td class="num">{sum(counts[family].values())}</td></tr>')
    cells = "".join(f'<td class="num">{totals[s]}</td>' for s in severities)
    rows.append(f'<tr class="total"><td colspan="2">合计</td>{cells}<td class="num">{len(findings)}</td></tr>')
    reports = "".join(f"<tr><td>{e(d)}</td><td class=\"num\">{y}</td><td class=\"num\">{n}</td>"
                      f'<td class="file">{e(file)}</td></tr>' for d, y, file, n in evaluation.reports)
    return (f'<section class="summary"><h2>核查结果汇总</h2><div class="kpis">{kpis}</div>'
            f'<table class="by-family"><caption>按类别与严重程度</caption><tr><th>类别</th><th>代码</th>{head}'
            f"<th>合计</th></tr>{''.join(rows)}</table>"
            f'<table class="reports"><caption>核查的报告</caption><tr><th>部门</th><th>年度</th><th>项目数</th>'
            f"<th>事实文件</th></tr>{reports}</table></section>")


def unevaluable_html(unevaluable) -> str:
    rows = "".join(f"<tr><td>{e(f.department)}</td><td class=\"num\">{f.year}</td><td>{e(f.project or '报告整体')}</td>"
                   f'<td>{e(f.title)} <span class="rule">{e(f.rule)}</span></td><td>{e(f.message)}</td></tr>'
                   for f in unevaluable)
    return (f'<section class="unevaluable"><h2>{e(UNEVALUABLE_LABEL)}(共 {len(unevaluable)} 项)</h2>'
            '<p class="note">以下规则因所需数据缺失而无法判断,不是发现的问题,也不计入汇总;补全数据后再核查。</p>'
            '<table><tr><th>部门</th><th>年度</th><th>项目</th><th>规则</th><th>缺少的数据</th></tr>'
            f"{rows}</table></section>")


def charts_html(evaluation, metrics: list, department: str, year: int) -> str:
    params = dict(evaluation.parameters).get((department, year), {})
    line = params.get(WARNING_LINE)
    line = line if isinstance(line, Decimal) else None
    bands = params.get(GRADE_BANDS)
    line_note = (f"虚线为 {year} 年生效的预算执行率预警线 {parameter_shown(line, 'ratio')}。"
                 if line is not None else "规则中没有该年度生效的执行率预警线参数,图中未画预警线。")
    chart1 = execution_rate_chart([(m.name, m.rate) for m in metrics], line, f"{department} {year} 年度 各项目预算执行率")
    chart2 = score_band_chart([(m.name, m.score, m.reported_grade, m.reported_band, m.band) for m in metrics], bands,
                              f"{department} {year} 年度 各项目自评得分与等级档次")
    return (f'<figure class="execution"><figcaption>图 1 各项目预算执行率(全年执行 ÷ 全年预算)</figcaption>'
            f'{chart1}<p class="note">{e(line_note)}深红色条表示低于预警线。</p></figure>'
            f'<figure class="grades"><figcaption>图 2 各项目自评得分与等级档次</figcaption>{chart2}'
            f'<p class="note">底色为 {year} 年生效的绩效评价等级档次;框出的是报告所填等级对应的档次,'
            f"红色表示报告等级与得分所在档次不符。</p></figure>")


def metrics_table(metrics: list) -> str:
    rows = "".join(
        f"<tr><td>{e(m.name)}</td><td class=\"num\">{e(format_value(m.full_year))}</td>"
        f"<td class=\"num\">{e(format_value(m.executed))}</td><td class=\"num\">{e(computed_rate(m.rate))}</td>"
        f"<td class=\"num\">{e(format_value(m.reported_rate, 'pct'))}</td>"
        f"<td class=\"num\">{e(format_value(m.score))}</td>"
        f"<td>{e(m.reported_grade or '')}</td><td>{e(m.band or '')}</td></tr>" for m in metrics)
    return ('<table class="metrics"><caption>项目数据(万元)</caption><tr><th>项目</th><th>全年预算</th><th>全年执行</th>'
            '<th>执行率(计算)</th><th>执行率(报告)</th><th>总分</th><th>报告等级</th><th>应评等级</th></tr>'
            f"{rows}</table>")


def render(evaluation, options) -> str:
    formats = {rule: dict(pairs) for rule, pairs in evaluation.evidence_formats}
    scope = "、".join(f"{d} {y} 年度" for d, y, _file, _n in evaluation.reports) or "(无报告)"
    metadata = metadata_pairs(options)
    body = [f'<div class="doc-head"><h1>预算绩效自评核查报告</h1><p class="subtitle">{e(scope)}</p>'
            f'<p class="run">perfaudit {e(VERSION)} · 规则 {evaluation.rules_evaluated} 条 · '
            f"规则版本 {e(evaluation.rules_hash[:16])} · 事实版本 {e(evaluation.facts_hash or '—')}</p>"
            + ('<p class="filing">' + "".join(f"<span>{e(label)}:{e(value)}</span>" for label, value in metadata)
               + "</p>" if metadata else "") + "</div>",
            summary_html(evaluation)]
    body += [f'<p class="scope-note">{e(line)}</p>'
             for line in jurisdiction_lines(evaluation.jurisdictions) + not_in_force_lines(evaluation.not_in_force)]
    by_report = {(y, d): [] for d, y, _file, _n in evaluation.reports}
    findings, unevaluable = split_unevaluable(evaluation.findings)
    by_report.update((key, list(group)) for key, group in groupby(findings, key=lambda f: (f.year, f.department)))
    for (year, department), group in sorted(by_report.items()):
        body.append(f'<section class="report"><h2>{e(department)} {year} 年度</h2>')
        metrics = [m for m in evaluation.project_metrics if m.department == department and m.year == year]
        if metrics:
            body += [metrics_table(metrics), charts_html(evaluation, metrics, department, year)]
        body.append(f"<h3 class=\"list-head\">发现的问题(共 {len(group)} 项)</h3>" if group else
                    '<p class="none">未发现问题。</p>')
        for project, items in groupby(group, key=lambda f: f.project or ""):
            items = list(items)
            body.append(f'<section class="project"><h3>【{e(project or "报告整体")}】<span class="meta"> '
                        f"{len(items)} 项</span></h3>")
            body.extend(finding_html(f, formats) for f in items)
            body.append("</section>")
        body.append("</section>")
    if unevaluable:
        body.append(unevaluable_html(unevaluable))
    body.append("<footer>本报告由 perfaudit 依据 rules/ 中的规则自动生成。每项发现列出政策依据(注明核实状态,"
                "已核实的附原文)与数据来源(报告位置及事实文件行号),供审计人员复核;“未核实”的条款引用前须查证原文。</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>预算绩效自评核查报告 — {e(scope)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + prose_html("\n".join(part for part in body if part)) + "\n</body>\n</html>\n")


_TAG = re.compile(r"(<[^>]*>)")
_ENTITY = re.compile(r"(&#?\w+;)")


def prose_html(markup: str) -> str:
    """style.prose on the text between tags, except quoted policy text (blockquote), which stays verbatim."""
    parts, verbatim = _TAG.split(markup), 0
    for i, part in enumerate(parts):
        if i % 2:
            verbatim += 1 if part.startswith("<blockquote") else -1 if part == "</blockquote>" else 0
        elif part and not verbatim:  # an entity's ';' is markup, not punctuation
            parts[i] = "".join(piece if n % 2 else prose(piece) for n, piece in enumerate(_ENTITY.split(part)))
    return "".join(parts)

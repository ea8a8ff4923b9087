"""Render `perfaudit diff` results (engine/analysis/diff.py) as text, JSON or HTML; same input, same bytes."""
from __future__ import annotations

import json

from ..core.findings import SEVERITY_LABELS, format_value, template_fields
from .json_report import finding_dict, json_value
from .style import parameter_shown

RULE = "=" * 60


def evidence_formats(*rulesets) -> dict:
    """rule id -> {evidence label: format} from the message templates (later rule sets win)."""
    return {rule.id: {name: fmt for name, fmt in template_fields(rule.message) if fmt in ("pct", "wan")}
            for ruleset in rulesets for rule in ruleset.rules}


def parameter_kinds(*rulesets) -> dict:
    """parameter name -> kind (ratio, bands ...), so a value shows as reports show it (later rule sets win)."""
    return {name: p.kind for ruleset in rulesets for name, p in ruleset.parameters.items()}


def parameter_text(value, kind: str = "") -> str:
    """As the reports show a parameter (style.parameter_shown: 0.70 -> 70%), but a lookup table in full,
    since a rule change must show what changed inside it."""
    if isinstance(value, dict):
        return "{" + "、".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return parameter_shown(value, kind)


def yearly_text(values, kind: str = "") -> str:
    return ";".join(f"{year} 年起 {parameter_text(value, kind)}" for year, value in values) if values else "(无此参数)"


def where(f) -> str:
    text = f"{f.year} 年 {f.department} 【{f.project or '报告整体'}】"
    if f.subject_kind in ("indicator", "claim", "commitment"):
        text += f" {f.subject}"
    return text


def headline(f) -> str:
    return f"  [{SEVERITY_LABELS[f.severity]}] {f.title}  ({f.rule})"


# ---- rule-change impact ------------------------------------------------------------


def changes_lines(changes, kinds: dict) -> list:
    """Sources and rule tests that differ, and with --as-year the parameter values in force that year."""
    out = []
    if changes.as_year is not None:
        out.append(f"按 {changes.as_year} 年核查(事实视为该年度的报告),该年生效的参数取值(旧 → 新):")
        for name, title, old, new in changes.in_force:
            shown = [yearly_text((entry,), kinds.get(name, "")) if entry else "(无取值)" for entry in (old, new)]
            mark = "" if old == new else "  *有变化"
            out.append(f"  {title}({name}): {shown[0]}  →  {shown[1]}{mark}")
    for label, added, removed, edited in (
            ("来源", changes.sources_added, changes.sources_removed, changes.sources_edited),
            ("测试用例", changes.tests_added, changes.tests_removed, changes.tests_edited)):
        parts = [f"{verb} {'、'.join(items)}" for verb, items in (("新增", added), ("删除", removed), ("修改", edited))
                 if items]
        out.append(f"{label}: " + (";".join(parts) if parts else "没有增删或修改"))
    return out


def changes_json(changes) -> dict:
    document = {"sources": {"added": list(changes.sources_added), "removed": list(changes.sources_removed),
                            "edited": list(changes.sources_edited)},
                "tests": {"added": list(changes.tests_added), "removed": list(changes.tests_removed),
                          "edited": list(changes.tests_edited)}}
    if changes.as_year is not None:
        document["as_year"] = changes.as_year
        document["in_force"] = [{"name": name, **{key: {"from_year": e[0], "value": json_value(e[1])} if e else None
                                                  for key, e in (("before", old), ("after", new))}}
                                for name, _title, old, new in changes.in_force]
    return document


def impact_text(impact, formats: dict, changes, kinds: dict) -> str:
    out = [f"规则变更影响: 旧规则 {impact.old_label} → 新规则 {impact.new_label}"]
    edits = [f"{verb}规则 " + "、".join(rules) for verb, rules in
             (("新增", impact.rules_added), ("删除", impact.rules_removed), ("修改", impact.rules_edited)) if rules]
    out.append("规则: " + (";".join(edits) if edits else "没有增删或修改"))
    if impact.parameters:
        out.append("参数:")
        for p in impact.parameters:
            kind = kinds.get(p.name, "")
            out.append(f"  {p.title}({p.name}): {yearly_text(p.before, kind)}  →  {yearly_text(p.after, kind)}")
    else:
        out.append("参数: 没有变化")
    out += changes_lines(changes, kinds)
    out.append(f"发现: 新增 {len(impact.added)} 项,消失 {len(impact.removed)} 项,变化 {len(impact.changed)} 项,"
               f"未变 {impact.unchanged} 项")
    out.append(RULE)
    sections = [("新增(只在新规则下出现)", impact.added), ("消失(只在旧规则下出现)", impact.removed)]
    for title, findings in sections:
        if findings:
            out.append(f"\n{title}")
            for f in findings:
                out += [headline(f), f"      {where(f)}", f"      {f.message}"]
    if impact.changed:
        out.append("\n变化(新旧规则下都有,内容不同)")
        for c in impact.changed:
            out += [headline(c.after), f"      {where(c.after)}"]
            if "severity" in c.fields:
                out.append(f"      严重程度: {SEVERITY_LABELS[c.before.severity]} → {SEVERITY_LABELS[c.after.severity]}")
            if "message" in c.fields:
                out += [f"      旧: {c.before.message}", f"      新: {c.after.message}"]
            if "evidence" in c.fields:
                out += evidence_lines(c.before, c.after, formats)
    if not (impact.added or impact.removed or impact.changed):
        out.append("\n两套规则对这些事实给出的发现完全相同。")
    return "\n".join(out) + "\n"


def evidence_lines(before, after, formats: dict) -> list:
    old, new = dict(before.evidence), dict(after.evidence)
    fmt = formats.get(after.rule, {})
    shown = {label: [format_value(d[label], fmt.get(label, "")) if label in d else "(无)" for d in (old, new)]
             for label in {**old, **new} if old.get(label) != new.get(label)}  # old's labels first, then new ones
    return [f"      证据「{label}」: {was} → {now}" for label, (was, now) in shown.items()]


def impact_json(impact, changes) -> str:
    document = {
        "mode": "rules",
        "old": impact.old_label,
        "new": impact.new_label,
        "summary": {"added": len(impact.added), "removed": len(impact.removed), "changed": len(impact.changed),
                    "unchanged": impact.unchanged},
        "rules": {"added": list(impact.rules_added), "removed": list(impact.rules_removed),
                  "edited": list(impact.rules_edited)},
        "parameters": [{"name": p.name, "title": p.title,
                        "before": [{"year": y, "value": json_value(v)} for y, v in p.before],
                        "after": [{"year": y, "value": json_value(v)} for y, v in p.after]} for p in impact.parameters],
        "added": [finding_dict(f) for f in impact.added],
        "removed": [finding_dict(f) for f in impact.removed],
        "changed": [{"fields": list(c.fields), "before": finding_dict(c.before), "after": finding_dict(c.after)}
                    for c in impact.changed],
        **changes_json(changes),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ---- year over year ---------------------------------------------------------------


def _sections(d, a: int, b: int) -> tuple:
    """(title, findings) of the year-over-year lists other than the persisting ones."""
    return ((f"新出现({b} 年有、{a} 年没有)", d.new), (f"已解决({a} 年有、{b} 年核查后没有)", d.resolved),
            (f"无法再核查({a} 年有;{b} 年缺少所需数据,规则无法判断,不算已解决)", d.unverifiable))


def years_text(diff) -> str:
    a, b = diff.year_a, diff.year_b
    out = [f"年度对比: {a} 年 → {b} 年",
           "(同一规则、同一项目视为同一问题;项目跨年度只按名称、曾用名和 renamed_from 对应)"]
    for d in diff.departments:
        out += ["", f"{d.department}  新出现 {len(d.new)} 项,已解决 {len(d.resolved)} 项,持续存在 {len(d.persisting)} 项,"
                    f"无法再核查 {len(d.unverifiable)} 项"]
        for old, new in d.renamed:
            out.append(f"项目更名: {old}({a} 年) → {new}({b} 年)")
        out.append(RULE)
        for title, findings in _sections(d, a, b):
            out.append(f"\n{title}" + ("" if findings else ": 无"))
            for f in findings:
                out += [headline(f), f"      【{f.project or '报告整体'}】{f.message}"]
        out.append("\n持续存在" + ("" if d.persisting else ": 无"))
        for p in d.persisting:
            out += [headline(p.after), f"      【{p.after.project or '报告整体'}】",
                    f"      {a} 年: {p.before.message}", f"      {b} 年: {p.after.message}"]
    for label, departments in ((f"只有 {a} 年报告的部门", diff.only_a), (f"只有 {b} 年报告的部门", diff.only_b)):
        if departments:
            out += ["", f"{label}(未对比): " + "、".join(departments)]
    if not diff.departments:
        out += ["", f"没有同时具有 {a} 年和 {b} 年报告的部门,无法对比。"]
    return "\n".join(out) + "\n"


def years_json(diff) -> str:
    document = {
        "mode": "years",
        "from": diff.year_a,
        "to": diff.year_b,
        "departments": [{
            "department": d.department,
            "summary": {"new": len(d.new), "resolved": len(d.resolved), "persisting": len(d.persisting),
                        "unverifiable": len(d.unverifiable)},
            "renamed": [{"from": old, "to": new} for old, new in d.renamed],
            "new": [finding_dict(f) for f in d.new],
            "resolved": [finding_dict(f) for f in d.resolved],
            "persisting": [{"before": finding_dict(p.before), "after": finding_dict(p.after)} for p in d.persisting],
            "unverifiable": [finding_dict(f) for f in d.unverifiable],
        } for d in diff.departments],
        "only_in_from": list(diff.only_a),
        "only_in_to": list(diff.only_b),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def years_html(diff, formats: dict) -> str:
    from .html_report import CSS, e, finding_html

    a, b = diff.year_a, diff.year_b
    body = [f'<div class="doc-head"><h1>年度对比</h1><p class="subtitle">{a} 年 → {b} 年</p>'
            '<p class="run">同一规则、同一项目视为同一问题;项目跨年度只按名称、曾用名和 renamed_from 对应</p></div>']
    for d in diff.departments:
        body.append(f'<section class="report"><h2>{e(d.department)}</h2><div class="kpis">'
                    f'<div class="kpi error"><b>{len(d.new)}</b>新出现</div>'
                    f'<div class="kpi info"><b>{len(d.resolved)}</b>已解决</div>'
                    f'<div class="kpi warning"><b>{len(d.persisting)}</b>持续存在</div>'
                    f'<div class="kpi unevaluable"><b>{len(d.unverifiable)}</b>无法再核查</div></div>')
        if d.renamed:
            body.append("<p>项目更名: " + ";".join(f"{e(o)}({a} 年) → {e(n)}({b} 年)" for o, n in d.renamed)
                        + "</p>")
        for title, findings in _sections(d, a, b):
            body.append(f"<h3>{e(title)} {len(findings)} 项</h3>")
            body.extend(f"<h4>【{e(f.project or '报告整体')}】</h4>" + finding_html(f, formats) for f in findings)
        body.append(f"<h3>持续存在 {len(d.persisting)} 项</h3>")
        for p in d.persisting:
            body.append(f"<h4>【{e(p.after.project or '报告整体')}】 {a} 年: {e(p.before.message)}</h4>"
                        + finding_html(p.after, formats))
        body.append("</section>")
    if diff.only_a or diff.only_b:
        body.append("<p>未对比的部门: " + e("、".join(diff.only_a + diff.only_b)) + "</p>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>年度对比 {a}—{b}</title>\n<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")

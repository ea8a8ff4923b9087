"""Render an Explanation for a terminal: per rule the outcome, the when/condition trees with each
sub-expression's value, why (or why not), the near miss, the parameters and the facts used."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ..analysis.explain import OUTCOME_LABELS, Explanation, ProjectExplanation, RuleExplanation, Step
from ..analysis.showing import percent, plain_number, table_lines, truth
from ..core.catalog import AMOUNT_MARK, SUBJECT_LABELS
from ..core.findings import SEVERITY_LABELS
from ..core.model import Location
from .style import at_most
from .text_report import not_in_force_lines, policy_line

MAX_FACTS = 12
MAX_PLAIN_FACTS = 6


def step_line(step: Step) -> str:
    """A leaf (or a negated leaf) as one line ending in its truth value."""
    if step.kind == "not" and step.children[0].kind == "leaf":
        child = step.children[0]
        return f"not({child.line} → {truth(child.value)}) → {truth(step.value)}"
    return f"{step.line} → {truth(step.value)}"


def tree_lines(step: Step, indent: str) -> list[str]:
    out = [f"{indent}{step.line} → {truth(step.value)}"]  # a leaf's children are ()
    for child in step.children:
        lines = tree_lines(child, indent + "    ")
        lines[0] = indent + "  · " + lines[0].lstrip()
        out.extend(lines)
    return out


def where(location: Location) -> str:
    return f"{location.file}:{location.line}"


def subject_text(e: RuleExplanation) -> str:
    subject = SUBJECT_LABELS.get(e.subject_kind, e.subject_kind)
    if e.subject_kind == "claim":
        return e.subject  # already reads 正文 c05
    if e.subject_kind not in ("project", "report"):
        subject += f" {e.subject}"
    return subject


def rule_header(e: RuleExplanation) -> str:
    return f"[{OUTCOME_LABELS[e.outcome]}] {e.rule}  {e.title}  ({SEVERITY_LABELS[e.severity]} · {subject_text(e)})"


def reason_lines(e: RuleExplanation, indent: str) -> list[str]:
    if not e.deciding:
        return []
    heading = {"fired": "成立的子条件", "passed": "不成立的子条件", "not-applicable": "不成立的适用条件",
               "cannot-evaluate": "无法判断的子条件"}[e.outcome]
    out = [f"{indent}{heading}:"]
    for step in e.deciding:
        out.append(f"{indent}  - {step_line(step)}")
        margin = step.margin or (step.children[0].margin if step.children else None)
        if margin is not None and e.outcome in ("passed", "not-applicable", "fired"):
            word = "差距" if e.outcome != "fired" else "余量"
            out.append(f"{indent}    {word}: {margin.text}")
    return out


def rule_lines(e: RuleExplanation, indent: str = "  ", citations: bool = True) -> list[str]:
    """One rule's explanation (one line when it does not apply); citations=False leaves out the policy lines."""
    body = indent + "  "
    if e.outcome == "not-applicable":
        why = ";".join(step_line(s) for s in e.deciding)
        return [f"{indent}{rule_header(e)}: {why}"]
    out = [indent + rule_header(e)]
    out.append(f"{body}结论: {e.message or e.summary}")
    out.append(f"{body}规则: {where(e.location)}")
    if e.when is None:
        out.append(f"{body}适用条件(when): 无,总是适用")
    else:
        out.append(f"{body}适用条件(when): {truth(e.when.value)}")
        out.extend(tree_lines(e.when, body + "  "))
    out.append(f"{body}判定条件(condition): {truth(e.condition.value)}")
    out.extend(tree_lines(e.condition, body + "  "))
    out.extend(reason_lines(e, body))
    for p in e.parameters:
        value = "" if p.kind == "table" else f"= {p.text}"
        out.append(f"{body}参数: {p.title}({p.name}){value},自 {p.from_year} 年起生效  {where(p.location)}")
        if p.kind == "table":  # a decision table reads better one row a line
            out.extend(f"{body}  {row}" for row in table_lines(p.value))
        out.extend(f"{body}  {policy_line(c)}" for c in (p.citations if citations else ()))
    out += at_most([f"{body}数据: {fact_label(f)} = {f.printed or f.text}  {f.file}:{f.line}  {f.section}"
                    for f in e.facts], MAX_FACTS, body + "(另有 {} 处数据,见 --format json)")
    out.extend(f"{body}{policy_line(c)}" for c in (e.citations if citations else ()))
    return out


def fact_label(f) -> str:
    """The fact's name; an amount shown in the report's own unit drops the engine's (万元)."""
    return f.label.removesuffix(AMOUNT_MARK) if f.printed else f.label


def fact_value(f) -> str:
    """A fact as the report prints it: rates as percentages (0.6566 -> 65.66%), amounts in the report's unit."""
    if f.printed:
        return f.printed
    if isinstance(f.value, Decimal):
        return percent(f.value) if f.path.rsplit(".", 1)[-1] == "rate" else plain_number(f.value)
    return f.text


def plain_step(step: Step) -> str:
    if step.kind == "not" and step.children[0].kind == "leaf":
        child = step.children[0]
        return f"并非 {child.plain or child.line}"
    return step.plain or step.line


def plain_rule_lines(e: RuleExplanation, indent: str = "  ") -> list[str]:
    """What decided one rule's outcome: the values compared and the margin, the facts with where they came
    from, the parameter values and the clauses, in the report's own number formats."""
    body = indent + "  "
    out = [f"{indent}[{OUTCOME_LABELS[e.outcome]}] {e.title}  ({SEVERITY_LABELS[e.severity]} · {subject_text(e)})  "
           f"{e.rule}",
           f"{body}结论: {e.message or e.summary}"]
    heading = {"fired": "成立", "passed": "不成立", "not-applicable": "不适用", "cannot-evaluate": "无法判断"}[e.outcome]
    for step in e.deciding:
        margin = step.plain_margin or (step.children[0].plain_margin if step.children else "")
        tail = f";{'余量' if e.outcome == 'fired' else '差距'}: {margin}" if margin and e.outcome != "cannot-evaluate" \
            else ""
        out.append(f"{body}判定: {plain_step(step)} → {heading}{tail}")
    out += at_most([f"{body}数据: {fact_label(f)} {fact_value(f)}({f.section},{f.file}:{f.line})" for f in e.facts],
                   MAX_PLAIN_FACTS, body + "(另有 {} 处数据,用 --detail 或 --format json 查看)")
    for p in e.parameters:
        value = "" if p.kind == "table" else f" {p.text}"
        out.append(f"{body}参数: {p.title}{value}({p.from_year} 年起,{where(p.location)})")
        if p.kind == "table":
            out.extend(f"{body}  {row}" for row in table_lines(p.value))
    out.extend(f"{body}{policy_line(c)}" for c in e.citations)
    out.append(f"{body}规则: {where(e.location)}")
    return out


def counts(explanations) -> str:
    tally = Counter(e.outcome for e in explanations)
    return ",".join(f"{label} {tally[outcome]}" for outcome, label in OUTCOME_LABELS.items())


def project_lines(p: ProjectExplanation, detailed_report_rules: bool, detail: bool = True) -> list[str]:
    aliases = f"(又称 {'、'.join(p.aliases)})" if p.aliases else ""
    out = [f"项目【{p.project}】{aliases}  {p.department} {p.year} 年度  {p.file}:{p.line}",
           f"适用于本项目的规则判定 {len(p.rules)} 项: {counts(p.rules)}", "=" * 60]
    if not p.rules:
        out.append("  (没有适用于本项目的规则)")
    if not detail:
        return out + plain_project_lines(p, detailed_report_rules)
    for e in p.rules:
        if e.outcome != "not-applicable":
            out.append("")
        elif not out[-1].lstrip().startswith("[不适用]"):
            out.extend(["", "  适用条件不成立的规则:"])
        out.extend(rule_lines(e, "    " if e.outcome == "not-applicable" else "  "))
    return out + report_rule_lines(p, detailed_report_rules, rule_lines, rule_header,
                                   "  (其余未触发或不适用;用 --rule 规则编号 查看任一规则的详细判定)")


def report_rule_lines(p: ProjectExplanation, detailed: bool, lines_of, header_of, rest: str) -> list[str]:
    """The report-level rules: each in full (lines_of) when --rule chose them, else the fired and undecided ones
    by their header (header_of) and message, then the line `rest` for the others."""
    if not p.report_rules:
        return []
    out = ["", f"报告整体(不针对单个项目)的规则判定 {len(p.report_rules)} 项: {counts(p.report_rules)}", "-" * 60]
    for e in p.report_rules:
        if detailed:
            out += ["", *lines_of(e)]
        elif e.outcome in ("fired", "cannot-evaluate"):
            out += [f"  {header_of(e)}", f"      {e.message}"]
    return out if detailed else out + [rest]


def plain_project_lines(p: ProjectExplanation, filtered: bool) -> list[str]:
    out = []
    for e in p.rules:
        if e.outcome != "not-applicable":
            out.append("")
            out.extend(plain_rule_lines(e))
    idle = [e for e in p.rules if e.outcome == "not-applicable"]
    if idle:
        out += ["", f"  不适用(适用条件不成立)的规则 {len(idle)} 项: " + "、".join(e.title for e in idle)]
    out += report_rule_lines(p, filtered, plain_rule_lines, plain_header, "  (其余未触发或不适用;用 --rule 规则编号 查看任一规则)")
    return out + ["", "(以上只列出决定结果的数值和条件;完整的判定树、公式和每一步的取值用 --detail 查看)"]


def plain_header(e: RuleExplanation) -> str:
    return f"[{OUTCOME_LABELS[e.outcome]}] {e.title}  {e.rule}"


def render_explanation(explanation: Explanation, detail: bool = True) -> str:
    """detail=False: what decided each outcome, in the report's formats; True: the full trees."""
    out = []
    for i, project in enumerate(explanation.projects):
        if i:
            out.append("")
        out.extend(project_lines(project, bool(explanation.rule_filter), detail))
    lines = not_in_force_lines(explanation.not_in_force) + [
        f"规则 {rule} 未用于 {year} 年的报告:{why}" + (f"({n} 份报告)" if n > 1 else "")
        for year, rule, why, n in explanation.not_shown]
    return "\n".join(out + ([""] + lines if lines else [])) + "\n"

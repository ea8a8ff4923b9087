"""Explain stage: why a rule fired, or did not, on a project, from the same compiled program.

For each (rule, subject) the rule's expressions run once, as the closures findings run
(expr/closures.py `compile_recorded`: the same semantics, recording the facts and parameters used
and every node's value for the formulas). The outcome is decided from those leaf values by the
backend evaluate uses (durable_rules or the Python backend); the boolean tree is decided node by
node with `engine.backends.python.decide` on the same values, to show which sub-condition held or
failed. A finding's message and evidence continue the same run (`engine.run.evaluate.finding_of`).
If the backend's outcome ever disagreed with the Python decision on the same values, the durable
adapter would have a defect, so that raises.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from ..backends import FIRED, NOT_APPLICABLE, PASSED, UNKNOWN, outcome_of
from ..backends.choice import open_backend, run_with_fallback
from ..backends.python import decide
from ..construct.compile import And, Leaf, Not, Program
from ..core.budget import Budget, BudgetExceeded
from ..core.catalog import AMOUNT_MARK, SUBJECT_LABELS
from ..core.errors import Diagnostic, InputError, did_you_mean
from ..core.findings import in_printed_unit
from ..core.model import Location, Report
from ..expr.closures import VALUES, compile_recorded
from ..run.evaluate import (by_scope, closure_scope, counted, fact_label, finding_of, money_units, not_in_force,
                            parameter_uses, params_for, policy_citations)
from ..run.subjects import Subject, subjects_of
from .formula import Formula, Margin, SourceTexts
from .showing import parameter_text, show

OUTCOME_LABELS = {FIRED: "触发", PASSED: "未触发", NOT_APPLICABLE: "不适用", UNKNOWN: "无法评估"}
OUTCOME_ORDER = {FIRED: 0, UNKNOWN: 1, PASSED: 2, NOT_APPLICABLE: 3}
_SUMMARIES = {FIRED: "判定条件成立,规则触发", PASSED: "判定条件不成立,规则未触发",
              NOT_APPLICABLE: "适用条件不成立,规则不适用"}


@dataclass(frozen=True)
class Step:
    """One node of a rule's when/condition tree, with the value it had."""

    kind: str  # leaf / and / or / not
    text: str  # the sub-expression as written in the rule
    value: bool | None  # True, False, or None (cannot tell: data missing)
    line: str  # for a leaf: the comparison with Chinese labels and values
    children: tuple = ()
    leaf: int | None = None  # Leaf.index in the compiled rule
    margin: Margin | None = None  # for a numeric comparison: how far from flipping
    plain: str = ""  # for a leaf: the values compared, in the report's formats, without formulas
    plain_margin: str = ""  # the margin without 左边/右边


@dataclass(frozen=True)
class ParameterFact:
    name: str
    title: str
    kind: str
    value: object
    text: str
    from_year: int
    location: Location
    citations: tuple  # PolicyCitation


@dataclass(frozen=True)
class FactUsed:
    label: str
    path: str
    value: object
    text: str
    file: str
    line: int
    section: str
    printed: str = ""  # an amount of a report printed in 元 (or 亿元) as it printed it: 215,457.6元 (value is 万元)


@dataclass(frozen=True)
class RuleExplanation:
    rule: str
    title: str
    family: str
    severity: str
    location: Location
    subject_kind: str
    subject: str
    project: str | None
    outcome: str  # fired / passed / not-applicable / cannot-evaluate
    summary: str
    when: Step | None
    condition: Step
    deciding: tuple  # the leaf Steps the outcome rests on (why, or why not)
    message: str | None  # the finding's message, exactly as evaluate gives it
    evidence: tuple  # (label, value) of the finding
    parameters: tuple  # ParameterFact
    facts: tuple  # FactUsed
    citations: tuple  # PolicyCitation of the rule


@dataclass(frozen=True)
class ProjectExplanation:
    department: str
    year: int
    file: str
    line: int
    project: str
    aliases: tuple
    rules: tuple  # RuleExplanation for the project, its indicators and the claims naming it
    report_rules: tuple  # RuleExplanation for report-level subjects (the report, claims about no project)


@dataclass(frozen=True)
class Explanation:
    query: str
    rule_filter: tuple
    projects: tuple  # ProjectExplanation
    notice: str = ""  # e.g. durable_rules could not be imported and the Python backend was used
    not_in_force: tuple = ()  # (year, rule id, parameters without a value), as Evaluation.not_in_force
    not_shown: tuple = ()  # (year, rule id, why, reports) for each rule asked for (--rule) that explains nothing


def project_names(*reports: Report) -> dict:
    """Every name a project of the reports is known by (name and aliases) -> the project's name (the first
    report's, for a name two reports give)."""
    names = {}
    for report in reports:
        for project in report.projects:
            for label in [project.name, *project.aliases]:
                names.setdefault(label, project.name)
    return names


def names_subject(names: dict, project, subject: str, wanted_project, wanted_subject) -> bool:
    """Whether a subject or finding (its project, subject label) is the one asked for, each of the two when given:
    the project by any of its names (names: project_names), the label also without its 正文 prefix."""
    if wanted_project is not None and names.get(project or "", project) != names.get(wanted_project, wanted_project):
        return False
    return wanted_subject is None or wanted_subject in (subject, subject.removeprefix("正文 "))


def find_projects(reports, name: str) -> list:
    """(report, project) for every report naming the project; InputError with close matches if none."""
    found = []
    for report in reports:
        canonical = project_names(report).get(name)
        if canonical is not None:
            found.extend((report, p) for p in report.projects if p.name == canonical)
    if found:
        return found
    known = list(dict.fromkeys(p.name for r in reports for p in r.projects))
    every = sorted(project_names(*reports))
    raise InputError([Diagnostic("--project", 0, 0, "", f"未找到项目 “{name}”",
                                 "已知项目: " + "、".join(known), did_you_mean(name, every))])


def check_rule_ids(program: Program, rule_ids) -> None:
    known = [r.rule.id for r in program.rules]
    problems = [Diagnostic("--rule", 0, 0, "", f"未知规则 “{rid}”", "规则编号,如 " + known[0],
                           did_you_mean(rid, known)) for rid in rule_ids if rid not in known]
    if problems:
        raise InputError(problems)


class Explainer:
    """Explains rules on subjects with one backend instance; use as a context manager."""

    def __init__(self, program: Program, backend: str = "auto", units: dict | None = None):
        self.program, self.requested = program, backend
        self.units = units  # run.evaluate.money_units of the reports explained (None: each subject's own report)
        self.engine, self.notice = open_backend(backend, program)
        # a report of thousands of claims, each compared with the others, is refused here as evaluate would
        # refuse a quadratic rule
        self.budget = Budget()
        self.indexes: dict = {}  # expr/joins.py's indexes, as evaluate keeps them for a run
        self.params: dict = {}  # ReportScope -> the parameter values in force there
        self.plans: dict = {}  # id(CompiledRule) -> its recorded closures (the program keeps the rules alive)
        self.sources = SourceTexts()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.engine.close()

    def subject(self, subject: Subject, rule_ids=None) -> list[RuleExplanation]:
        """Explain every rule of the subject's kind in force (or those in rule_ids)."""
        report = subject.report
        scope = self.program.ruleset.scope_of(report)
        rules = self.program.for_subject(subject.kind, scope)
        if not rules or (rule_ids is not None and not any(c.rule.id in rule_ids for c in rules)):
            return []
        params = self.params.get(scope)
        if params is None:  # one dict per scope, as evaluate has: the join indexes are kept per parameters dict
            params = self.params[scope] = params_for(self.program.ruleset, scope)
        wanted = [c for c in rules if rule_ids is None or c.rule.id in rule_ids]
        runs = {id(c): self._budgeted(c, self._run, c, subject, params) for c in rules}
        items = [(c, runs[id(c)].leaves) for c in rules]
        outcomes, self.engine, self.notice = run_with_fallback(  # the same call evaluate makes
            self.requested, self.program, self.engine, self.notice, lambda engine: engine.outcomes(subject, items))
        return [self._budgeted(compiled, self._rule, compiled, subject, params, outcomes[compiled.rule.id], scope,
                               runs[id(compiled)]) for compiled in wanted]

    @staticmethod
    def _budgeted(compiled, function, *args):
        try:
            return function(*args)
        except BudgetExceeded as exc:
            raise exc.refusal(compiled.rule) from None

    def _run(self, compiled, subject: Subject, params: dict) -> "_Run":
        plan = self.plans.get(id(compiled))
        if plan is None:
            sides = [(leaf.node,) if leaf.op is None else (leaf.left, leaf.right) for leaf in compiled.leaves]
            plan = self.plans[id(compiled)] = (
                tuple(tuple(compile_recorded(node) for node in nodes) for nodes in sides),
                tuple((label, compile_recorded(node)) for label, node in compiled.evidence))
        run = _Run(closure_scope(subject, params, self.budget, self.indexes), plan[1])
        run.scope[VALUES] = run.values
        with localcontext(prec=34):  # the expressions' precision (expr/semantics.py)
            run.leaves = [tuple(side(run.scope, run.facts, run.params) for side in sides) for sides in plan[0]]
        run.leaf_facts = len(run.facts)
        return run

    def _rule(self, compiled, subject: Subject, params: dict, outcome: str, scope, run: "_Run") -> RuleExplanation:
        rule = compiled.rule
        values = run.leaves
        formula = Formula(subject.kind, self.program.ruleset.parameters, compiled.evidence, run.values,
                          subject.report.money_unit, self.sources)
        when = _step(compiled.when, values, formula) if compiled.when is not None else None
        condition = _step(compiled.condition, values, formula)
        decided = outcome_of(when.value if when is not None else True, condition.value)
        if decided != outcome:
            raise RuntimeError(f"explain and the {self.engine.name} backend disagree on {rule.id} "
                               f"for {subject.key}: {decided} != {outcome}")
        by_when = outcome == NOT_APPLICABLE or (outcome == UNKNOWN and when is not None and when.value is None)
        deciding = tuple(_deciding(when if by_when else condition))
        message, evidence = None, ()
        if outcome in (FIRED, UNKNOWN):
            finding = finding_of(self.program.ruleset, compiled, subject, params, outcome, run.evidence(),
                                 run.facts, run.params, report_scope=scope, units=self.units)
            message, evidence = finding.message, finding.evidence
        return RuleExplanation(
            rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity, location=rule.location,
            subject_kind=subject.kind, subject=subject.label, project=subject.project, outcome=outcome,
            summary=_SUMMARIES.get(outcome) or message or "数据缺失,无法评估", when=when, condition=condition,
            deciding=deciding, message=message, evidence=evidence,
            parameters=self._parameters(compiled, scope),
            facts=_facts(subject, run.facts[:run.leaf_facts], self.units),
            citations=policy_citations(self.program.ruleset, rule.citations))

    def _parameters(self, compiled, scope) -> tuple:
        """The parameters in force the rule uses, as its findings cite them (run.evaluate.parameter_uses)."""
        parameters = self.program.ruleset.parameters
        return tuple(ParameterFact(p.name, p.title, p.kind, p.value, parameter_text(p.kind, p.value), p.from_year,
                                   parameters[p.name].value_for(scope).location, p.citations)
                     for p in parameter_uses(self.program.ruleset, compiled.params_used, scope))

    def project(self, report: Report, project, rule_ids=None) -> ProjectExplanation:
        names = {project.name, *project.aliases}
        known = set(project_names(report))
        own, report_level = [], []
        for subject in subjects_of(report):
            if subject.scope.get("project") is project or subject.project in names:
                own.extend(self.subject(subject, rule_ids))
            elif subject.project is None or subject.project not in known:
                report_level.extend(self.subject(subject, rule_ids))
        line = project.sources["name"].line if "name" in project.sources else 0
        return ProjectExplanation(report.department, report.year, report.file, line, project.name,
                                  tuple(project.aliases), _ordered(own), _ordered(report_level))

    def rule_on(self, report: Report, rule_id: str, project: str | None = None, subject: str | None = None) -> list:
        """Every explanation of one rule on a report, optionally narrowed to a project or a subject label."""
        names = project_names(report)
        return [explanation for item in subjects_of(report)
                if names_subject(names, item.project, item.label, project or None, subject)
                for explanation in self.subject(item, {rule_id})]


def explain_project(program: Program, reports, name: str, rule_ids=(), backend: str = "auto") -> Explanation:
    """Explain every rule that applies to the named project (name or alias) in each report naming it."""
    reports = list(reports)
    check_rule_ids(program, rule_ids)
    found = find_projects(reports, name)
    wanted = set(rule_ids) if rule_ids else None
    with Explainer(program, backend, money_units(reports)) as explainer:
        projects = tuple(explainer.project(report, project, wanted) for report, project in found)
    groups = by_scope(program.ruleset, [report for report, _ in found])
    skipped = not_in_force(program, groups, wanted)
    unexplained = _not_shown(program, groups, projects, wanted, {(year, rule) for year, rule, _, _ in skipped})
    return Explanation(name, tuple(rule_ids), projects, explainer.notice, skipped, unexplained)


def _not_shown(program: Program, groups: dict, projects: tuple, wanted, without_values: set) -> tuple:
    """Why a rule asked for by --rule explains nothing for the project: its effective years or its jurisdiction
    leave the report out, or the project has nothing the rule judges. A rule left out of a year for a parameter
    without a value (without_values: (year, rule id)) is in not_in_force already. Without this an auditor saw only
    that no rule applies."""
    if not wanted:
        return ()
    shown = {(p.department, p.year, e.rule) for p in projects for e in (*p.rules, *p.report_rules)}
    reasons = []
    for scope, group in groups.items():
        for rule in (c.rule for c in program.rules if c.rule.id in wanted):
            if (scope.year, rule.id) in without_values:
                continue
            if not rule.in_force(scope.year):
                why = _years_text(rule.effective_from, rule.effective_to)
            elif rule.jurisdiction not in scope.jurisdictions:
                why = f"只适用于{program.ruleset.jurisdictions[rule.jurisdiction].title},本报告不在其内"
            else:
                why = f"本项目没有该规则判定的{SUBJECT_LABELS[rule.subject]}"
            reasons.extend((scope.year, rule.id, why) for report in group
                           if (report.department, report.year, rule.id) not in shown)
    return counted(reasons)


def _years_text(start, end) -> str:
    if end is None:
        return f"自 {start} 年起生效"
    return f"生效至 {end} 年" if start is None else f"{start}–{end} 年生效"


# ---- trees ------------------------------------------------------------------------


def _step(tree, values, formula: Formula) -> Step:
    value = decide(tree, values)
    if isinstance(tree, Leaf):
        margin = formula.margin(tree.node)
        return Step("leaf", formula.source(tree.node), value, formula.leaf_line(tree.node), (), tree.index, margin,
                    formula.plain_line(tree.node), formula.plain_margin(margin))
    if isinstance(tree, Not):
        child = _step(tree.item, values, formula)
        return Step("not", "not " + _paren(child), value, "取反(not):以下不成立时成立", (child,))
    children = tuple(_step(item, values, formula) for item in tree.items)
    kind, line = ("and", "以下全部成立(and)") if isinstance(tree, And) else ("or", "以下任一成立(or)")
    return Step(kind, f" {kind} ".join(_paren(c) for c in children), value, line, children)


def _paren(step: Step) -> str:
    return f"({step.text})" if step.kind in ("and", "or") else step.text


def _deciding(step: Step) -> list:
    """The leaves a node's value rests on: for a true `and` all of them, for a false one the false ones.
    A leaf under an odd number of `not`s is returned inside one, so that it reads the right way round: under
    not (甲 or 乙) a false 甲 is shown as 并非 甲, which is what made the whole true."""
    if step.kind == "leaf":
        return [step]
    if step.kind == "not":
        child = step.children[0]
        return [step] if child.kind == "leaf" else [_negated(leaf) for leaf in _deciding(child)]
    decisive = step.kind == "or"  # True decides an or, False decides an and
    if step.value is None or step.value == decisive:  # rests on the unknown children, or the decisive ones
        picked = [c for c in step.children if c.value == step.value]
    else:
        picked = step.children
    return [leaf for child in picked for leaf in _deciding(child)]


def _negated(step: Step) -> Step:
    if step.kind == "not":  # not not x
        return step.children[0]
    value = None if step.value is None else not step.value
    return Step("not", "not " + _paren(step), value, "取反(not):以下不成立时成立", (step,))


class _Run:
    """One run of a rule's recorded closures on a subject: its leaf values, the facts (the first leaf_facts of
    them read by the leaves) and parameters used, every node's value; the evidence continues it."""

    def __init__(self, scope: dict, evidence_plan: tuple):
        self.scope, self.evidence_plan = scope, evidence_plan
        self.facts: list = []
        self.params: list = []
        self.values: dict = {}
        self.leaves: list = []
        self.leaf_facts = 0

    def evidence(self) -> tuple:
        with localcontext(prec=34):
            return tuple((label, value(self.scope, self.facts, self.params)) for label, value in self.evidence_plan)


def _facts(subject: Subject, facts: list, units: dict | None) -> tuple:
    """The facts a rule's leaves read, each once; an amount also as its report printed it (in that unit)."""
    seen = {}
    units = money_units((subject.report,)) if units is None else units
    for path, value, source, root in facts:
        if source is None:
            continue
        label = fact_label(subject.kind, path, root)
        key = (source.file, source.line, label)
        unit = units.get(source.file)
        printed = in_printed_unit(value, unit) if unit and isinstance(value, Decimal) and \
            label.endswith(AMOUNT_MARK) else ""
        seen.setdefault(key, FactUsed(label, path, value, show(value), source.file, source.line, source.section,
                                      printed))
    return tuple(seen[k] for k in sorted(seen))


def _ordered(explanations) -> tuple:
    return tuple(sorted(explanations, key=lambda e: OUTCOME_ORDER[e.outcome]))  # stable: in order within an outcome


__all__ = ["Explainer", "Explanation", "ProjectExplanation", "RuleExplanation", "Step", "ParameterFact",
           "FactUsed", "OUTCOME_LABELS", "explain_project", "find_projects"]

"""Rule tests as data: rules/tests/*.yaml, written by auditors, run through the same pipeline as evaluate.

A test file is a list of cases:

    - name: 执行率恰好 70% 不预警
      year: 2024
      facts:                       # a facts document; department/year/document/unit/section may be left out
        projects:
          - name: 甲项目
            budget: {full_year: 8.3, executed: 5.81}
      expect_not:
        - {rule: execution.below-warning-line, project: 甲项目}

`expect` items must each match at least one finding (rule, and optionally project, subject,
outcome, message fragments, evidence values); `expect_not` items must match none.
Evidence values are compared at the precision they are written with: 65.66% means 0.6566 after
rounding the computed value to four places.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from ..backends import FIRED, UNKNOWN
from ..construct import facts as facts_stage
from ..construct.compile import Program
from ..construct.facts import parse_rate
from ..core.errors import Collector, InputError, did_you_mean
from ..load.files import display_path, expand_paths, load_document
from ..load.validate import validate_document
from ..load.yamlsrc import Document, render_path
from ..run.evaluate import evaluate as run_evaluation
from .explain import names_subject, project_names

DEFAULT_DEPARTMENT = "测试部门"
DEFAULT_SECTION = "测试"
OUTCOMES = {"触发": FIRED, "无法评估": UNKNOWN, FIRED: FIRED, UNKNOWN: UNKNOWN}
OUTCOME_WORDS = {FIRED: "触发", UNKNOWN: "无法评估"}
# where a facts document needs a `section` (the report location), by path pattern
_SECTIONED = (("totals",), ("projects", "*", "budget"), ("projects", "*", "score"),
              ("projects", "*", "indicators", "*"), ("projects", "*", "approvals", "*"), ("claims", "*"),
              ("commitments", "*"))


@dataclass(frozen=True)
class Expectation:
    rule: str
    project: str | None
    subject: str | None
    outcome: str | None  # fired / cannot-evaluate; None: fired for expect, any outcome for expect_not
    message_contains: tuple
    evidence: tuple  # (label, expected value as written)
    file: str
    line: int

    def describe(self) -> str:
        named = (("项目", self.project), ("对象", self.subject), ("结果", OUTCOME_WORDS.get(self.outcome)))
        parts = [self.rule, *(f"{name}={value}" for name, value in named if value)]
        parts += [f"消息含“{text}”" for text in self.message_contains]
        parts += [f"{label}={_written(value)}" for label, value in self.evidence]
        return " ".join(parts)


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    name: str
    year: int
    reports: tuple
    expect: tuple  # Expectation
    expect_not: tuple  # Expectation
    todo: str = ""  # what is still to be written; a case with a todo fails whatever its findings

    @property
    def rules(self) -> tuple:
        return tuple(dict.fromkeys(e.rule for e in self.expect + self.expect_not))

    @property
    def label(self) -> str:
        return f"{self.file}: {self.name}"


@dataclass(frozen=True)
class Failure:
    expectation: Expectation
    unwanted: bool  # True: an expect_not item matched a finding
    findings: tuple  # the findings of that rule (what actually came out)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    failures: tuple
    findings: tuple
    observed: frozenset = field(default_factory=frozenset)  # (rule, leaf index, True/False), for coverage

    @property
    def passed(self) -> bool:
        return not self.failures and not self.case.todo


# ---- loading ------------------------------------------------------------------------


def load_tests(paths, program: Program, root: Path | None = None) -> list[Case]:
    """Load and check every test file under paths; raises InputError listing every problem.

    A test's facts_file must lie inside the rules' project (`root`, the folder holding rules/) or inside
    the test file's own project (see _project_of): `facts_file: /` would have the test read the whole machine.
    """
    files, problems = expand_paths(paths)
    collector = Collector(problems)
    cases: list[Case] = []
    for path in files:
        roots = tuple(dict.fromkeys(p.resolve() for p in (root, _project_of(path)) if p is not None))
        cases.extend(_load_file(path, program, collector, roots))
    collector.raise_if_any()
    return cases


def _project_of(path: Path) -> Path:
    """The parent of the test file's nearest `rules` folder; else the parent of its folder (the layout
    project/tests/x.yaml), but never a filesystem root."""
    path = path.resolve()
    project = next((p.parent for p in path.parents if p.name == "rules"), path.parent.parent)
    return path.parent if project.parent == project else project


def _load_file(path: Path, program: Program, collector: Collector, roots: tuple) -> list[Case]:
    doc = load_document(path, "ruletest", collector)
    if doc is None:
        return []
    cases, names = [], {}
    for i, raw in enumerate(doc.data):
        if raw["name"] in names:
            doc.problem(collector, (i, "name"), f"用例名称 “{raw['name']}” 重复(第一次出现在第 {names[raw['name']]} 行)",
                        suggestion="给每个用例起不同的名称")
        names.setdefault(raw["name"], doc.line((i, "name")))
        case = _load_case(doc, i, raw, path, program, collector, roots)
        if case is not None:
            cases.append(case)
    return cases


def _load_case(doc: Document, i: int, raw: dict, path: Path, program: Program, collector: Collector, roots: tuple):
    local = Collector()
    if ("facts" in raw) == ("facts_file" in raw):
        doc.problem(local, (i,), "用例需要 facts(内联事实)或 facts_file(事实文件路径)二者之一",
                    "facts: {...} 或 facts_file: ../../facts/2024")
    if not raw.get("expect") and not raw.get("expect_not"):
        doc.problem(local, (i,), "用例没有任何期望", "expect: [...](应出现的发现)和/或 expect_not: [...](不应出现的发现)")
    reports = []
    if "facts" in raw:
        reports = _inline_reports(doc, i, raw, local)
    elif "facts_file" in raw:
        reports = _file_reports(doc, i, raw, path, local, roots)
    if reports and all(r.year != raw["year"] for r in reports):
        years = "、".join(str(r.year) for r in reports)
        doc.problem(local, (i, "year"), f"事实中没有 {raw['year']} 年度的报告(事实的年度: {years})")
    expect = tuple(_expectation(doc, (i, "expect", k), item) for k, item in enumerate(raw.get("expect", [])))
    expect_not = tuple(_expectation(doc, (i, "expect_not", k), item) for k, item in enumerate(raw.get("expect_not", [])))
    # project names are checked only against facts that loaded completely
    _check_expectations(doc, i, raw, reports if not local.diagnostics else [], program, local)
    collector.extend(local.diagnostics)
    if local.diagnostics:
        return None
    return Case(doc.file, doc.line((i,)), raw["name"], raw["year"], tuple(reports), expect, expect_not,
                raw.get("todo", ""))


def _expectation(doc: Document, path, item: dict) -> Expectation:
    contains = item.get("message_contains", ())
    if isinstance(contains, str):
        contains = (contains,)
    outcome = OUTCOMES[item["outcome"]] if "outcome" in item else None
    return Expectation(item["rule"], item.get("project"), item.get("subject"), outcome, tuple(contains),
                       tuple(item.get("evidence", {}).items()), doc.file, doc.line(path))


def _check_expectations(doc, i, raw, reports, program: Program, collector):
    rules = {c.rule.id: c for c in program.rules}
    names = project_names(*reports)
    # where the case's facts did not load, only the rule's own years can be judged
    scope = next((program.ruleset.scope_of(r) for r in reports if r.year == raw["year"]), None)
    for kind in ("expect", "expect_not"):
        for k, item in enumerate(raw.get(kind, [])):
            path = (i, kind, k)
            compiled = rules.get(item["rule"])
            if compiled is None:
                doc.problem(collector, path + ("rule",), f"未知规则 “{item['rule']}”",
                            "rules/*.yaml 中定义的规则编号", did_you_mean(item["rule"], rules))
                continue
            if scope is None:
                if not compiled.rule.in_force(raw["year"]):
                    doc.problem(collector, path + ("rule",), f"规则 “{item['rule']}” 在 {raw['year']} 年不生效",
                                suggestion="改用规则生效的年度")
            elif not program.applies(compiled, scope) and compiled.rule.in_force(raw["year"]):
                pack = program.ruleset.jurisdictions[compiled.rule.jurisdiction]
                doc.problem(collector, path + ("rule",),
                            f"规则 “{item['rule']}” 只适用于“{pack.title}”({pack.id}),本用例的事实不在其范围内",
                            f"事实的部门或所在地在该口径的 covers 之内({pack.location.file}:{pack.location.line})",
                            "在用例中写 department 或 region(如 department: 杜集区城市管理局),或在事实中写明")
            elif not program.in_force(compiled, scope):
                missing = program.missing_parameters(compiled, scope)
                why = f"(参数 {'、'.join(missing)} 在该年没有取值)" if missing else ""
                doc.problem(collector, path + ("rule",), f"规则 “{item['rule']}” 在 {raw['year']} 年不生效{why}",
                            suggestion="改用规则生效的年度" + (",或在 rules/parameters.yaml 中补充该年度的取值"
                                                         if missing else ""))
            project = item.get("project")
            if project is not None and reports and project not in names:
                doc.problem(collector, path + ("project",), f"事实中没有项目 “{project}”",
                            "已有项目: " + "、".join(dict.fromkeys(names.values())), did_you_mean(project, names))
            labels = [label for label, _ in compiled.rule.evidence]
            for label in item.get("evidence", {}):
                if label not in labels:
                    doc.problem(collector, path + ("evidence", label),
                                f"规则 “{item['rule']}” 没有名为 “{label}” 的证据",
                                "该规则的证据: " + "、".join(labels), did_you_mean(label, labels))


def _inline_reports(doc: Document, i: int, raw: dict, collector: Collector) -> list:
    listed = isinstance(raw["facts"], list)
    reports = []
    for n, data in enumerate(raw["facts"] if listed else [raw["facts"]]):
        prefix = (i, "facts", n) if listed else (i, "facts")
        sub = _subdocument(doc, prefix, _with_defaults(data, raw))
        problems = validate_document(sub, "facts")
        if problems:
            collector.extend(_rebased(problems, prefix))
            continue
        local = Collector()
        # the facts loader's document builder: the same provenance (file:line) as a facts file
        reports.append(facts_stage.report_from_document(sub, local))
        collector.extend(_rebased(local.diagnostics, prefix))
    if reports and not collector.diagnostics:
        collector.extend(facts_stage.link_years(sorted(reports, key=lambda r: (r.year, r.department))))
    return reports


def _file_reports(doc: Document, i: int, raw: dict, path: Path, collector: Collector, roots: tuple) -> list:
    target = (path.parent / raw["facts_file"])
    if not target.exists():
        doc.problem(collector, (i, "facts_file"), f"事实文件 “{raw['facts_file']}” 不存在",
                    f"相对于测试文件所在目录 {display_path(path.parent)} 的路径")
        return []
    if not any(target.resolve().is_relative_to(root) for root in roots):
        projects = "、".join("当前目录" if display_path(r) == "." else display_path(r) for r in roots)
        doc.problem(collector, (i, "facts_file"),
                    f"用例“{raw['name']}”的 facts_file “{raw['facts_file']}” 在规则项目目录({projects})之外",
                    "规则项目目录(rules/ 所在的目录)内的事实文件或目录",
                    "把事实文件复制到项目中(如 facts/ 下),再用相对路径引用")
        return []
    try:
        return facts_stage.load_facts([target])
    except InputError as error:
        collector.extend(error.diagnostics)
        return []


def _with_defaults(data: dict, raw: dict) -> dict:
    """Fill what a test need not spell out: department, year, document, unit, and each `section`."""
    data = copy.deepcopy(data)
    data.setdefault("department", raw.get("department", DEFAULT_DEPARTMENT))
    if "region" in raw:
        data.setdefault("region", raw["region"])
    data.setdefault("year", raw["year"])
    data.setdefault("document", {"title": raw["name"]})
    data.setdefault("unit", "万元")
    for project in _walk(data, ("projects", "*")):
        if isinstance(project, dict):
            project.setdefault("budget", {})
    for pattern in _SECTIONED:
        for node in _walk(data, pattern):
            if isinstance(node, dict):
                node.setdefault("section", DEFAULT_SECTION)
    for n, claim in enumerate(_walk(data, ("claims", "*"))):
        if isinstance(claim, dict):
            claim.setdefault("id", f"c{n + 1:02d}")
            claim.setdefault("text", f"正文第 {n + 1} 处说法")
    return data


def _walk(node, pattern):
    if not pattern:
        yield node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for item in node if isinstance(node, list) else []:
            yield from _walk(item, rest)
    elif isinstance(node, dict) and head in node:
        yield from _walk(node[head], rest)


def _subdocument(doc: Document, prefix: tuple, data) -> Document:
    """The facts inside a test file as a Document of their own, keeping the test file's lines."""
    n = len(prefix)
    marks = {p[n:]: m for p, m in doc.marks.items() if p[:n] == prefix}
    key_marks = {p[n:]: m for p, m in doc.key_marks.items() if p[:n] == prefix}
    return Document(doc.file, data, marks, key_marks)


def _rebased(problems, prefix) -> list:
    head = render_path(prefix)
    return [replace(d, path=head + ("." + d.path if d.path and not d.path.startswith("[") else d.path))
            for d in problems]


# ---- running ------------------------------------------------------------------------


def select(cases, keyword: str | None) -> list:
    """-k: keep cases whose name, file or named rules contain the keyword (case-insensitive)."""
    if not keyword:
        return list(cases)
    word = keyword.lower()
    return [c for c in cases if word in c.name.lower() or word in c.file.lower()
            or any(word in r.lower() for r in c.rules)]


def run_case(program: Program, case: Case, backend: str = "auto") -> CaseResult:
    from .coverage import observe

    evaluation = run_evaluation(program, list(case.reports), backend)
    findings = evaluation.findings
    names = project_names(*case.reports)
    failures = []
    for e in case.expect:
        if not any(_selects(f, e, names, FIRED) and _satisfies(f, e) for f in findings):
            failures.append(Failure(e, False, tuple(f for f in findings if f.rule == e.rule)))
    for e in case.expect_not:
        hits = [f for f in findings if _selects(f, e, names, None)]
        if hits:
            failures.append(Failure(e, True, tuple(hits)))
    return CaseResult(case, tuple(failures), findings, frozenset(observe(program, case.reports, case.rules)))


def run_tests(program: Program, cases, backend: str = "auto") -> list:
    return [run_case(program, case, backend) for case in cases]


def _selects(finding, e: Expectation, names: dict, default_outcome) -> bool:
    if finding.rule != e.rule or not names_subject(names, finding.project, finding.subject, e.project, e.subject):
        return False
    outcome = e.outcome or default_outcome
    return outcome is None or finding.outcome == outcome


def _satisfies(finding, e: Expectation) -> bool:
    if not all(text in finding.message for text in e.message_contains):
        return False
    evidence = dict(finding.evidence)
    return all(label in evidence and same_value(expected, evidence[label]) for label, expected in e.evidence)


def same_value(expected, actual) -> bool:
    """An expected evidence value as written in a test against the computed one, at the written precision."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or expected == actual
    if isinstance(expected, list):
        return isinstance(actual, (list, tuple)) and len(expected) == len(actual) and all(
            same_value(x, y) for x, y in zip(expected, actual))
    if isinstance(actual, Decimal):
        try:
            wanted = parse_rate(expected) if isinstance(expected, str) and expected.strip().endswith("%") \
                else Decimal(expected) if isinstance(expected, (int, Decimal)) else None
        except InvalidOperation:
            return False
        if wanted is None:
            return False
        exponent = wanted.as_tuple().exponent
        return actual.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP) == wanted
    return str(expected) == str(actual)


def _written(value) -> str:
    if isinstance(value, list):
        return "[" + "、".join(_written(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return "(空)" if value is None else str(value)

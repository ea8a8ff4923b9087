"""Load and validate stage for rules: rules/*.yaml -> a checked RuleSet.

Static checks beyond the schema: duplicate ids, unknown sources and clauses,
expressions that do not parse or refer to unknown fields and parameters.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from ..core.catalog import PARAMETER_TYPES, SUBJECT_SCOPES
from ..core.cjk import display_width
from ..core.errors import Collector, Diagnostic, did_you_mean
from ..core.findings import template_fields
from ..core.tables import check_rows, table_type
from ..expr import ExprSyntaxError, parse
from ..expr.check import Checker
from ..load.files import display_path, expand_paths, load_document
from ..core.model import (LEVELS, NATIONAL, NATIONAL_JURISDICTION, CitationRef, Clause, Jurisdiction, Location,
                          Parameter, ParameterValue, Rule, RuleSet, Source)
from ..load.yamlsrc import MAX_FILE_BYTES
from .compile import MAX_RULE_COST, _compile_rule, rule_cost

DEFAULT_RULES_DIR = "rules"
TESTS_DIR = "tests"


def rule_files(rules_dir) -> tuple[list[Path], list[Diagnostic]]:
    root = Path(rules_dir)
    if not root.is_dir():
        return [], [Diagnostic(str(rules_dir), 0, 0, "", "规则目录不存在",
                               suggestion="用 --rules 指定规则目录(默认为当前目录下的 rules)")]
    files, problems = expand_paths([root])
    # rule tests live beside the rules but are not rules
    files = [f for f in files if TESTS_DIR not in f.relative_to(root.resolve()).parts[:-1]]
    return files, problems


_KEPT = 4
_loaded: dict = {}  # content key -> (RuleSet, its repr then), the last _KEPT loaded


def load_rules(rules_dir=DEFAULT_RULES_DIR) -> RuleSet:
    """The checked rule set of the files under `rules_dir`.

    A pack loaded again in the same process (each in-process CLI run of the test suite, an embedding program)
    is served from the last few loaded when every file, its content and the path shown for it are the same:
    reading the files costs ~0.3 ms, building and checking them again ~25 ms. A served rule set is checked
    against its repr first, in case someone changed its dicts in place (as compile_rules checks)."""
    files, problems = rule_files(rules_dir)
    version = _version(files)
    key = None if problems else (version, tuple(map(display_path, files)))
    kept = _loaded.pop(key, None)
    if kept is None or repr(kept[0]) != kept[1]:
        ruleset = _load(files, problems, version[:16])
        kept = (ruleset, repr(ruleset))
        if key is None or _version(files) != version:  # a file changed while it was read: not kept
            return ruleset
    _loaded[key] = kept  # the most recently used last
    while len(_loaded) > _KEPT:
        del _loaded[next(iter(_loaded))]
    return kept[0]


def _version(files) -> str:
    """A hash of each file's name and content: the rule set's version, and with the paths shown the cache key.
    A file that cannot be read, or is over the loader's limit (not read: a 3 GiB file cost 6 GiB and 24 s before
    its refusal), is left out (_load reports it, so that rule set is never kept)."""
    digest = hashlib.sha256()
    for path in files:
        try:
            if path.stat().st_size <= MAX_FILE_BYTES:
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            pass
    return digest.hexdigest()


def _load(files, problems, version: str) -> RuleSet:
    collector = Collector(list(problems))
    docs = [load_document(path, "rules", collector) for path in files]
    collector.raise_if_any()  # a file without a document (None) has added its problems
    builder = _Builder(collector)
    for step in (builder.jurisdictions, builder.sources, builder.parameters, builder.rules):
        for doc in docs:
            step(doc)
    builder.check_citations()
    builder.check_jurisdictions()
    builder.check_expressions()
    collector.raise_if_any()
    rules = tuple(sorted(builder.rule_map.values(), key=lambda r: r.id))
    return RuleSet(rules, dict(sorted(builder.param_map.items())), dict(sorted(builder.source_map.items())),
                   version, dict(sorted(builder.jurisdiction_map.items())))


class _Builder:
    def __init__(self, collector: Collector):
        self.c = collector
        self.source_map: dict[str, Source] = {}
        self.param_map: dict[str, Parameter] = {}
        self.rule_map: dict[str, Rule] = {}
        self.first_seen: dict = {}
        self.citations: list = []  # (CitationRef, Location, field path)
        self.jurisdiction_map: dict = {NATIONAL: NATIONAL_JURISDICTION}
        self.jurisdiction_refs: list = []  # (jurisdiction id, doc, field path)

    def unique(self, kind, ident, doc, path) -> bool:
        key = (kind, ident)
        if key in self.first_seen:
            where = self.first_seen[key]
            doc.problem(self.c, path, f"{kind} “{ident}” 重复(第一次定义于 {where.file}:{where.line})",
                        f"每个{kind}的 id 只定义一次", "删除其中一处,或改用新的 id")
            return False
        self.first_seen[key] = Location(doc.file, doc.line(path))
        return True

    def jurisdictions(self, doc):
        for ident, j in doc.data.get("jurisdictions", {}).items():
            path = ("jurisdictions", ident)
            if not self.unique("地方口径", ident, doc, path):
                continue
            covers = tuple(tuple((level, entry[level]) for level in LEVELS if level in entry) for entry in j["covers"])
            self.jurisdiction_map[ident] = Jurisdiction(ident, j["title"], j["level"], covers,
                                                        Location(doc.file, doc.line(path)))

    def jurisdiction_of(self, doc, entry: dict, path) -> str:
        ident = entry.get("jurisdiction", NATIONAL)
        if ident != NATIONAL:
            self.jurisdiction_refs.append((ident, doc, path + ("jurisdiction",)))
        return ident

    def check_jurisdictions(self):
        for ident, doc, path in self.jurisdiction_refs:
            if ident not in self.jurisdiction_map:
                doc.problem(self.c, path, f"未定义的地方口径 “{ident}”",
                            "规则目录中 jurisdictions: 下定义的编号(不写则为全国口径)",
                            did_you_mean(ident, self.jurisdiction_map))
        for parameter in self.param_map.values():
            parameter.specificity.update((j.id, LEVELS.index(j.level)) for j in self.jurisdiction_map.values())
            seen: dict = {}
            for entry in parameter.values:
                key = (entry.year, entry.jurisdiction, entry.example)
                if key in seen:
                    self.c.add(Diagnostic(entry.location.file, entry.location.line, 0,
                                          f"parameters.{parameter.name}.values.{entry.year}",
                                          f"参数 “{parameter.name}” 在 {entry.year} 年对同一地方口径"
                                          f"({entry.jurisdiction})给出了两个取值",
                                          "同一年度、同一地方口径只有一个取值",
                                          "删去其中一个,或为其中一个写上另一个 jurisdiction"))
                seen[key] = entry

    def sources(self, doc):
        for i, s in enumerate(doc.data.get("sources", [])):
            path = ("sources", i, "id")
            if not self.unique("来源", s["id"], doc, path):
                continue
            clauses = {}
            for j, c in enumerate(s["clauses"]):
                if c["id"] in clauses:
                    doc.problem(self.c, ("sources", i, "clauses", j, "id"), f"条款 “{c['id']}” 重复",
                                "同一来源内条款的 id 各不相同", "删除重复的条款,或改用新的 id")
                clauses[c["id"]] = Clause(c["id"], c.get("title") or "", c["verification"], c.get("quote"),
                                          c.get("seen_at"), c.get("note"))
            self.source_map[s["id"]] = Source(s["id"], s["title"], s.get("doc_no"), s.get("issuer"),
                                              s.get("date"), s.get("url"), clauses)

    def cites(self, doc, items, path) -> tuple:
        refs = tuple(CitationRef(item["source"], item["clause"]) for item in items)
        self.citations.extend((ref, doc, path + (k,)) for k, ref in enumerate(refs))
        return refs

    def parameters(self, doc):
        for name, p in doc.data.get("parameters", {}).items():
            path = ("parameters", name)
            if not self.unique("参数", name, doc, path):
                continue
            values, domain = [], self.domain(doc, p, path)
            for year_text, entries in sorted(p["values"].items()):
                # one value, or a list of values of that year for different jurisdictions
                listed = isinstance(entries, list)
                for k, entry in enumerate(entries if listed else [entries]):
                    vpath = path + ("values", year_text) + ((k,) if listed else ())
                    value = self.parameter_value(doc, p["kind"], entry["value"], vpath + ("value",), domain)
                    values.append(ParameterValue(
                        int(year_text), value, self.cites(doc, entry["cite"], vpath + ("cite",)),
                        Location(doc.file, doc.line(vpath)), self.jurisdiction_of(doc, entry, vpath),
                        entry.get("example", False)))
            self.param_map[name] = Parameter(name, p["title"], p["kind"], tuple(values),
                                             Location(doc.file, doc.line(path)),
                                             type=self.parameter_type(doc, p["kind"], values, path))

    def domain(self, doc, p, path):
        """A decision table's (low, high) domain, both ends included; grade bands have none."""
        domain = p.get("domain")
        if p["kind"] != "table":
            if domain is not None:
                doc.problem(self.c, path + ("domain",), "只有决策表(kind: table)才写 domain", "", "删去 domain", key=True)
            return None
        if (not isinstance(domain, dict) or set(domain) != {"min", "max"}
                or not all(isinstance(domain[k], (int, Decimal)) and not isinstance(domain[k], bool) for k in domain)
                or domain["min"] >= domain["max"]):
            doc.problem(self.c, path + (("domain",) if domain is not None else ()), "决策表需要取值范围 domain",
                        "domain: {min: 0, max: 1}(两端都含)", "写出输入的取值范围,如执行率写 {min: 0, max: 1}")
            return None
        return Decimal(domain["min"]), Decimal(domain["max"])

    def parameter_type(self, doc, kind, values, path):
        """The expression type; a decision table's results are numbers in every year, or text in every year."""
        if kind not in ("table", "bands"):
            return PARAMETER_TYPES[kind]
        types = {table_type(v.value) for v in values if v.value is not None}
        if len(types) > 1:
            doc.problem(self.c, path, "决策表各年度的取值应同为数字或同为文字", "同一类取值", "")
        return min(types) if types else "table[any]"

    def parameter_value(self, doc, kind, value, path, domain):
        if value is None:
            return None  # ends the parameter from this year on
        if kind in ("number", "ratio"):
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                hint = "比例写成小数,如 70% 写成 0.70" if kind == "ratio" and isinstance(value, str) and (
                    "%" in value or "％" in value) else ""
                doc.problem(self.c, path, f"参数值应为数字,实际为 {value!r}", suggestion=hint)
                return None
            if kind == "ratio" and not (0 <= value <= 10):
                doc.problem(self.c, path, f"比例参数 {value} 超出合理范围", "0 到 10 之间的小数,如 0.70")
            return Decimal(value)
        if kind == "map":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                doc.problem(self.c, path, "参数值应为“文字: 文字”的映射", "每项写成 文字: 文字,如 会议纪要: 协同文件")
                return None
            return dict(value)
        if kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                doc.problem(self.c, path, "参数值应为文字列表", "如 [协同备忘录, 会议纪要]")
                return None
            return list(value)
        # grade bands (key grade, no domain: the bands only have to join up) and decision tables (key value)
        key, label = ("grade", "等级档次") if kind == "bands" else ("value", "决策表")
        return check_rows(value, key, domain, label, lambda sub, message, expected, suggestion: doc.problem(
            self.c, path + sub, message, expected, suggestion))

    def rules(self, doc):
        for i, r in enumerate(doc.data.get("rules", [])):
            path = ("rules", i)
            if not self.unique("规则", r["id"], doc, path + ("id",)):
                continue
            effective = r.get("effective", {})
            if effective.get("from", 0) > effective.get("to", 9999):
                # such a rule would silently never run
                doc.problem(self.c, path + ("effective",), f"生效年度 from {effective['from']} 晚于 to {effective['to']}",
                            "from 不晚于 to", "交换两个年份,或改正其中一个;这样的规则永远不会运行")
            fields = {name: Location(doc.file, *doc.where(path + (name,))) for name in ("condition", "when", "message")}
            for label in r.get("evidence", {}):
                fields["evidence." + label] = Location(doc.file, *doc.where(path + ("evidence", label)))
            self.rule_map[r["id"]] = Rule(
                id=r["id"], title=r["title"], family=r["family"], severity=r["severity"], subject=r["subject"],
                when=r.get("when"), condition=r["condition"], message=r["message"],
                evidence=tuple(r.get("evidence", {}).items()),
                citations=self.cites(doc, r["cite"], path + ("cite",)),
                effective_from=effective.get("from"), effective_to=effective.get("to"),
                location=Location(doc.file, doc.line(path)), field_locations=fields,
                jurisdiction=self.jurisdiction_of(doc, r, path))

    def check_citations(self):
        for ref, doc, path in self.citations:
            source = self.source_map.get(ref.source)
            if source is None:
                doc.problem(self.c, path + ("source",), f"未登记的政策来源 “{ref.source}”",
                            "rules/sources.yaml 中登记的来源 id", did_you_mean(ref.source, self.source_map))
            elif ref.clause not in source.clauses:
                doc.problem(self.c, path + ("clause",), f"来源 “{ref.source}” 没有条款 “{ref.clause}”",
                            "已登记的条款: " + ", ".join(source.clauses), did_you_mean(ref.clause, source.clauses))

    def check_expressions(self):
        param_types = {name: p.type for name, p in self.param_map.items()}
        for rule in self.rule_map.values():
            scope = SUBJECT_SCOPES[rule.subject]
            before = len(self.c.diagnostics)
            for field, text, want_bool in _expressions_of(rule):
                check_expression(self.c, rule, field, text, scope, param_types, want_bool)
            check_message(self.c, rule)
            if len(self.c.diagnostics) == before:
                check_complexity(self.c, rule, param_types)


def _expressions_of(rule: Rule):
    if rule.when:
        yield "when", rule.when, True
    yield "condition", rule.condition, True
    for label, text in rule.evidence:
        yield "evidence." + label, text, False


def rule_problem(rule: Rule, field: str, message: str, expected="", suggestion="") -> Diagnostic:
    """A problem of one field of a rule, located where the field is written (else at the rule)."""
    loc = rule.field_locations.get(field, rule.location)
    return Diagnostic(loc.file, loc.line, loc.column, f"{rule.id}.{field}", message, expected, suggestion)


def expression_problem(rule: Rule, field: str, text: str, pos: int, message: str, suggestion="") -> Diagnostic:
    caret = f"{text}\n        {' ' * display_width(text[:pos])}^"
    return rule_problem(rule, field, message, "表达式:\n        " + caret, suggestion)


def check_expression(collector, rule, field, text, scope, param_types, want_bool):
    try:
        node = parse(text)
    except ExprSyntaxError as exc:
        collector.add(expression_problem(rule, field, text, exc.pos, "表达式语法错误: " + exc.message, exc.suggestion))
        return
    checker = Checker(scope, param_types)
    result = checker.check(node)
    for p in checker.problems:
        collector.add(expression_problem(rule, field, text, p.pos, p.message, p.suggestion))
    if want_bool and not checker.problems and result not in ("bool", "any"):
        collector.add(expression_problem(rule, field, text, 0, f"{field} 应是一个条件(真/假),实际类型为 {result}"))


def check_complexity(collector, rule, param_types):
    cost = rule_cost(_compile_rule(rule, param_types))
    if cost > MAX_RULE_COST:
        collector.add(rule_problem(rule, "condition", f"条件过于复杂: 复杂度 {cost},上限 {MAX_RULE_COST}"
                                   "(每个比较和每个 and/or 各计 2,when 与 condition 合计)", "不超过约 13 个比较的条件",
                                   "拆成几条规则,或把几个比较合并为一个计算(如 max(...)、any(... for ...))"))


def check_message(collector, rule):
    defined = [label for label, _ in rule.evidence]
    labels = set(defined) | {"项目", "部门", "年度", "指标", "规则"}
    for name, fmt in template_fields(rule.message):
        if name not in labels:
            listed = f"evidence 中定义的名称({'、'.join(defined)})" if defined else "evidence 中定义的名称(本规则还没有 evidence)"
            collector.add(rule_problem(rule, "message", f"消息模板引用了未定义的证据 “{name}”",
                                       f"{listed},或 项目/部门/年度/指标/规则",
                                       did_you_mean(name, labels) or f"在 evidence 中加上 {name}: 表达式,或改用上面列出的名称"))
        if fmt not in ("", "pct", "wan", "num", "list"):
            collector.add(rule_problem(rule, "message", f"未知的格式 “{fmt}”", "pct(百分数) / wan(万元) / num / list"))

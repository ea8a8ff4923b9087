"""Load stage for facts: facts/<year>/*.yaml -> validated Report records with provenance."""
from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

from ..core.cjk import half_width_table
from ..core.errors import Collector, Diagnostic, did_you_mean
from ..core.model import (MONEY_TO_WAN, NO_SOURCES, REGION_LEVELS, Approval, Budget, CellSources, Claim, Commitment,
                          FactSource, Filter, Funding, Goals, Indicator, Narrative, Project, Quantity, Report, Score,
                          Sources, Totals, money_to_wan)
from ..load.files import expand_paths, load_document
from ..load.validate import schema
from ..load.yamlsrc import FAST_PATHS, MAX_DIGITS, Document, render_path
from .years import link_years

# applied to stripped text, with a greedy DOTALL unit: no backtracking, linear on any input
_QUANTITY = re.compile(r"(?P<op>≤|≥|<=|>=|<|>|=)?\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>.*)", re.DOTALL)
_RANGE = re.compile(r"(?P<low>[0-9]+(?:\.[0-9]+)?)\s*[-~～—–至到]\s*(?P<rest>[0-9].*)", re.DOTALL)
# a unit that starts like the rest of a number: "1e3万元", "1,000万元", "100.万元" must not become 1 / 100
_NUMBER_TAIL = re.compile(r"[.,，0-9]|[eE][-+]?[0-9]")
_COMPARISON_WORDS = {"以上": "≥", "及以上": "≥", "以下": "≤", "及以下": "≤", "以内": "≤"}
_PER_UNIT = re.compile(r"(万元|亿元|元)\s*(/|每)")  # 元/人 is a unit cost, not an amount
MAX_UNIT_LENGTH = 12  # 万元/公里, 人次, 平方米 ...; anything longer is a sentence, not a unit
_TRADITIONAL_MONEY = {"萬元": "万元", "億元": "亿元", "圆": "元", "万圆": "万元"}
_OP_ALIASES = {"≦": "≤", "≧": "≥", "＝": "=", "＜": "<", "＞": ">", "<=": "≤", ">=": "≥", "═": "="}
_FULLWIDTH = half_width_table("０１２３４５６７８９．％")  # refused in an indicator value, which keeps its other marks
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ODD_SPACE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f]")  # look like a space, never equal to one
# what a number cell may print instead of a number (the schema's $defs/mark): not applicable, no value
DASHES = frozenset(("—", "——", "－", "-", "/", "／", "无"))
AMOUNTS = ("initial", "full_year", "executed")  # converted from the report's printed unit to 万元
MONEY = AMOUNTS + ("received",)  # the budget block's 全年到位资金 too
BUDGET_NUMBERS = MONEY + ("rate", "weight", "score")
# keys read by fill() or in project() itself: a budget or project with other keys has v2 fields to read
_BUDGET_BASIC = frozenset(("section", "printed", "unreadable") + BUDGET_NUMBERS)
_KINDS = frozenset(schema("facts")["$defs"]["indicator"]["properties"]["kind"]["enum"])
_INDICATOR_TEXTS = ("level1", "level2", "nature", "unit")
_INDICATOR_EXTRAS = _INDICATOR_TEXTS + ("weight", "score")
_INDICATOR_BASIC = frozenset(("name", "kind", "section", "target", "actual", "deviation_reason", "includes_tasks_of"))
_CLAIM_FIELDS = ("id", "text", "measure", "value", "unit", "project", "topic", "scope", "members", "complements")
_COMMITMENT_FIELDS = ("id", "text", "kind", "project", "due_year", "counterpart", "budget_increase", "budget_decrease")
_PROJECT_BASIC = frozenset(("name", "aliases", "renamed_from", "budget", "score", "indicators", "departments_involved",
                            "departments_section", "approvals", "supervisor"))
# 一级指标 + 二级指标 as printed -> the kind rules know; combinations not listed leave kind ""
_LEVEL1 = {"产出指标": "产出", "效益指标": "效益", "满意度指标": "满意度"}
_LEVEL2 = {"数量指标": "数量", "质量指标": "质量", "时效指标": "时效", "成本指标": "成本",
           "经济效益指标": "经济效益", "社会效益指标": "社会效益", "生态效益指标": "生态效益",
           "可持续影响指标": "可持续影响", "服务对象满意度指标": "服务对象满意度"}


def load_facts(paths, progress=None, fast: tuple = FAST_PATHS) -> list[Report]:
    """Load every facts file under paths; raises InputError listing all problems.

    progress: optional callable, called with each file's path as it is read (for a progress bar).
    fast: the YAML fast paths to try (yamlsrc.load_yaml_text); the records are the same with any."""
    files, problems = expand_paths(paths)
    collector = Collector(problems)
    reports: list[Report] = []
    for path in files:
        if progress is not None:
            progress(path)
        doc = load_document(path, "facts", collector, fast)
        if doc is None:
            continue
        reports.append(report_from_document(doc, collector))
        collector.extend(_folder_year(reports[-1], path))
    seen: dict = {}
    for report in reports:
        key = (report.department, report.year)
        if key in seen:
            collector.add(Diagnostic(report.file, report.sources["department"].line, 1, "department",
                                     f"{report.department} {report.year} 年度的事实已在 {seen[key]} 中给出",
                                     suggestion="同一部门同一年度的事实只能放在一个文件里"))
        else:
            seen[key] = report.file
    reports = sorted(reports, key=lambda r: (r.year, r.department))
    collector.extend(link_years(reports))
    collector.raise_if_any()
    return reports


_YEAR_FOLDER = re.compile(r"(19|20)[0-9]{2}")


def _folder_year(report: Report, path: Path) -> list[Diagnostic]:
    """A report whose year differs from its folder's (year: 2025 inside facts/2024): said first, because
    every check that depends on the year (commitments due, rules in force) then fails as a consequence."""
    folder = path.parent.name
    if not _YEAR_FOLDER.fullmatch(folder) or int(folder) == report.year:
        return []
    return [Diagnostic(report.file, report.sources["year"].line, 0, "year",
                       f"年度 {report.year} 与所在目录 {folder} 不一致(与年度有关的其他错误可能都由此引起)",
                       expected=f"{folder}(所在目录的年度)",
                       suggestion=f"改正 year;若确是 {report.year} 年的报告,请移到 {report.year} 年的目录")]


def report_from_document(doc: Document, collector: Collector) -> Report:
    """Build one Report from a schema-valid facts document; problems go to collector."""
    return _Builder(doc, collector).report()


def parse_rate(text: str) -> Decimal:
    """"65.66%" -> Decimal("0.6566"), keeping the printed precision."""
    return Decimal(text.strip().rstrip("%")).scaleb(-2)


# the usual indicator value: one comparison sign, a plain number, % or a money unit; nothing to normalise or report
_SIMPLE_QUANTITY = re.compile(r"([≤≥<>=]?)([0-9]+(?:\.[0-9]+)?)(%|万元|元|亿元)")
_CACHE_LIMIT = 100_000
_TEXT_VALUE = (None, None, "", None)  # (op, value, unit, low) of a qualitative indicator value
# parses that depend on the text alone and are repeated all over a province's facts ("≥90%", "100%" ...);
# only texts that parse without a problem are remembered, so diagnostics always come from the full path
_quantities: dict = {}  # text -> (op, value, unit, low)
_rates: dict = {}  # text -> Decimal
_clean_names: set = set()  # names without odd spaces or invisible characters
_categories: dict = {}  # indicator kind -> category


def _remember(cache, key, value):
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


_put = dict.__setitem__  # Sources are read-only to their readers; the builder fills them


class _Builder:
    """Records from a schema-valid document. Each mapping's value lines are asked for once
    (`Document.value_lines`); a record's Sources holds each field's line (a FactSource where its section
    differs from the record's), and no FactSource is made until one is asked for."""

    def __init__(self, doc: Document, collector: Collector):
        self.doc = doc
        self.file = doc.file
        self.collector = collector
        self.money_unit = doc.data.get("unit", "万元")
        self.converts = self.money_unit != "万元"  # 万元 files keep their numbers as written (v1 behaviour)
        self.supervisor = None  # (the report's 主管部门, its source): the default of every project

    def sources(self, record, section) -> Sources:
        """record's Sources, made with `section` as the one most of its fields cite if it has none yet."""
        sources = record.sources
        if sources is NO_SOURCES:
            sources = record.sources = Sources.of(self.file, section)
        return sources

    def put(self, record, name, line, section):
        sources = self.sources(record, section)
        _put(sources, name, line if section == sources.section else FactSource(self.file, line, section))

    def fill(self, record, data: dict, path, section, fields, rates=(), texts=()):
        """The listed fields of data into record, each with its source. A null is a cell printed blank
        (record.blank), a dash in a number cell is not applicable (record.dashes, no value); amounts
        (AMOUNTS) are converted from the report's printed unit to 万元; `printed` and `unreadable` are kept."""
        lines = self.doc.value_lines(path, data)
        sources = self.sources(record, section)
        own = section == sources.section
        blank = None
        for name in fields:
            if name in data:
                value = data[name]
                if value is None:
                    blank = [name] if blank is None else blank + [name]
                elif type(value) is str and name not in texts and value in DASHES:
                    if record.dashes is None:
                        record.dashes = {}
                    record.dashes[name] = value
                    value = None
                elif name in rates:
                    value = self.rate(value, path + (name,))
                elif type(value) is Decimal and not value and value.is_signed():
                    # amounts and scores may not be negative (schema minimum 0); a signed zero is that typo too
                    self.problem(path + (name,), f"数值 {value} 带负号", expected="不能小于 0(零写作 "
                                 f"{abs(value)})", suggestion=f"去掉负号,写成 {abs(value)}")
                elif self.converts and name in MONEY:
                    value = money_to_wan(Decimal(value), self.money_unit)
                setattr(record, name, value)
                _put(sources, name, lines[name] if own else FactSource(self.file, lines[name], section))
        if blank is not None:
            record.blank = record.blank.union(blank)
        if "printed" in data:
            record.printed = dict(data["printed"])
        if "unreadable" in data:
            record.unreadable = data["unreadable"]
            line = lines["unreadable"]
            _put(sources, "unreadable", line if own else FactSource(self.file, line, section))
        return record

    def written(self, record, data: dict, lines, section, names):
        """Each of `names` that data has, as written, into record with its source (lines: data's value lines)."""
        for name in names:
            if name in data:
                setattr(record, name, data[name])
                self.put(record, name, lines[name], section)

    def cite(self, record, data: dict, path, names, default):
        """record, with the source of each of `names` in data's section: its own line where data has it; the others
        share `default`'s source (the field they are read with)."""
        lines = self.doc.value_lines(path, data)
        sources = record.sources = Sources.of(self.file, data["section"])
        shared = lines[default]
        for name in names:
            _put(sources, name, lines[name] if name in data else shared)
        return record

    def narrative(self, items, path) -> list:
        lines = self.doc.value_lines(path, items)
        out = []
        for i, n in enumerate(items):
            section = n["section"]
            item = self.fill(Narrative(section=section, heading=n.get("heading", "")), n, path + (i,), section,
                             ("text",), texts=("text",))
            self.put(item, "section", lines[i], section)
            self.put(item, "heading", lines[i], section)
            out.append(item)
        return out

    def problem(self, path, message, expected="", suggestion=""):
        self.doc.problem(self.collector, path, message, expected, suggestion)

    def rate(self, text: str, path) -> Decimal | None:
        known = _rates.get(text)
        if known is not None:
            return known
        if sum(ch.isdigit() for ch in text) > MAX_DIGITS:
            self.problem(path, f"百分数 “{text[:40]}” 位数过多(超过 {MAX_DIGITS} 位)", "按报告原样书写,如 65.66%")
            return None
        value = parse_rate(text)
        _remember(_rates, text, value)
        return value

    def name(self, value: str, path) -> str:
        """Names are matched exactly across the report, so a name that only looks right is an error."""
        if value in _clean_names:
            return value
        if _INVISIBLE.search(value) or _ODD_SPACE.search(value) or value != value.strip():
            fixed = _ODD_SPACE.sub(" ", _INVISIBLE.sub("", value)).strip()
            self.problem(path, f"名称 “{value}” 含有首尾空格、不可见字符(零宽空格等)或特殊空格",
                         suggestion=f"改为 “{fixed}”")
        elif len(_clean_names) < _CACHE_LIMIT:
            _clean_names.add(value)
        return value

    def names(self, values, path) -> list:
        return [self.name(v, path + (i,)) for i, v in enumerate(values)]

    def report(self) -> Report:
        d = self.doc.data
        lines = self.doc.value_lines((), d)
        file = self.file
        printed = d["department"] is not None  # if not, the description identifies the report
        department = self.name(d["department"], ("department",)) if printed else d["department_described"]
        report = Report(department=department, year=d["year"], document=d["document"]["title"], file=file,
                        department_printed=printed)
        sources = report.sources = Sources.of(file, "报告标题")
        if not printed:
            _put(sources, "department_described", lines["department_described"])
        _put(sources, "department", lines["department"])
        _put(sources, "year", lines["year"])
        report.money_unit = self.money_unit
        _put(sources, "money_unit", lines["unit"])
        if "region" in d:
            report.region = tuple((level, d["region"][level]) for level in REGION_LEVELS if level in d["region"])
            _put(sources, "region", lines["region"])
        document = d["document"]
        report.example = document.get("example", False)
        if len(document) > 1:  # v2 document fields
            self.written(report, document, self.doc.value_lines(("document",), document), "报告标题",
                         ("url", "form", "scope", "partial"))
        self.written(report, d, lines, "报告标题", ("supervisor",))
        if "supervisor" in d:
            self.supervisor = (report.supervisor, report.sources["supervisor"])
        if "totals" in d:
            t = d["totals"]
            report.totals = self.fill(Totals(), t, ("totals",), t["section"], AMOUNTS + ("rate",), rates=("rate",))
        if "projects" in d:
            report.projects = [self.project(p, ("projects", i)) for i, p in enumerate(d["projects"])]
        else:  # no project table transcribed (a free-text report): nothing to sum, as for a list cut off
            report.projects_partial = True
        self.written(report, d, lines, "", ("projects_partial", "claims_partial"))
        if "narrative" in d:
            report.narrative = self.narrative(d["narrative"], ("narrative",))
        names = {}
        for i, project in enumerate(report.projects):
            # each repeat is reported where it is written: the name, or the alias itself
            labels = [(("projects", i, "name"), project.name)]
            labels += [(("projects", i, "aliases", j), alias) for j, alias in enumerate(project.aliases)]
            for path, label in labels:
                if label in names and names[label] == i:
                    self.problem(path, f"别名 “{label}” 与本项目的名称或另一个别名重复",
                                 "每个项目名称(含别名)在一份报告中只出现一次", "删除重复的别名")
                elif label in names:
                    self.problem(path, f"项目名称 “{label}” 与第 {names[label] + 1} 个项目重复",
                                 "每个项目名称(含别名)在一份报告中只出现一次", "删除重复的项目,或改正名称/别名")
                names.setdefault(label, i)
        claims = d.get("claims", [])
        claim_lines = self.doc.value_lines(("claims",), claims) if claims else ()
        report.claims = [self.claim(c, ("claims", i), i, claim_lines[i]) for i, c in enumerate(claims)]
        report.commitments = [self.commitment(c, ("commitments", i)) for i, c in enumerate(d.get("commitments", []))]
        self.unique_ids([(("claims", i, "id"), c.id) for i, c in enumerate(report.claims)]
                        + [(("commitments", i, "id"), c.id) for i, c in enumerate(report.commitments)])
        return report

    def unique_ids(self, written: list) -> None:
        """Claims and commitments share one numbering: each repeat is reported where it is, naming the first."""
        first: dict = {}
        for path, ident in written:
            if ident not in first:
                first[ident] = path
                continue
            line = self.doc.where(first[ident])[0]
            self.problem(path, f"编号 “{ident}” 重复(第一次出现在第 {line} 行,{render_path(first[ident])})",
                         expected="正文数据(claims)与整改承诺(commitments)的编号各不相同",
                         suggestion="改为一个未使用的编号")

    def project(self, p: dict, path) -> Project:
        lines = self.doc.value_lines(path, p)
        b = p["budget"]
        budget_section = b["section"]
        name = self.name(p["name"], path + ("name",))
        aliases = self.names(p["aliases"], path + ("aliases",)) if "aliases" in p else []
        budget = self.fill(Budget(), b, path + ("budget",), budget_section, BUDGET_NUMBERS, rates=("rate",))
        if not _BUDGET_BASIC.issuperset(b):
            self.budget_texts(budget, b, path + ("budget",), budget_section)
        section = p.get("section", budget_section)
        sources = Sources.of(self.file, section, {"name": lines["name"]})
        project = Project(sources=sources, name=name, aliases=aliases, budget=budget)
        if not _PROJECT_BASIC.issuperset(p):
            self.project_extras(project, p, path, lines, budget_section)
        if "supervisor" in p:
            project.supervisor = p["supervisor"]
            _put(sources, "supervisor", lines["supervisor"])
        elif self.supervisor is not None:
            project.supervisor, source = self.supervisor
            _put(sources, "supervisor", source)
        if "score" in p:
            s = p["score"]
            project.score = self.fill(Score(), s, path + ("score",), s["section"], ("total", "weight", "grade"),
                                      texts=("grade",))
        if "indicators" in p:
            project.indicators = [self.indicator(x, path + ("indicators", i)) for i, x in enumerate(p["indicators"])]
        if "departments_involved" in p:
            project.departments_involved = self.names(p["departments_involved"], path + ("departments_involved",))
            self.put(project, "departments_involved", lines["departments_involved"],
                     p.get("departments_section", budget_section))
        if "approvals" in p:
            project.approvals = [self.approval(a, path + ("approvals", i)) for i, a in enumerate(p["approvals"])]
        if "renamed_from" in p:
            project.renamed_from = self.names(p["renamed_from"], path + ("renamed_from",))
            self.put(project, "renamed_from", lines["renamed_from"], budget_section)
        return project

    def budget_texts(self, budget: Budget, b: dict, path, section):
        self.fill(budget, b, path, b.get("explanation_section", section), ("explanation",), texts=("explanation",))
        self.fill(budget, b, path, section, ("adjustment_reason",), texts=("adjustment_reason",))
        if "funding" in b:
            budget.funding = [self.fill(Funding(source=f["source"]), f, path + ("funding", i), f.get("section", section),
                                        ("source",) + BUDGET_NUMBERS, rates=("rate",), texts=("source",))
                              for i, f in enumerate(b["funding"])]
        self.written(budget, b, self.doc.value_lines(path, b), section, ("funding_partial",))

    def project_extras(self, project: Project, p: dict, path, lines, budget_section):
        """The v2 project fields: 实施单位, 年度总体目标, narrative, the partial mark."""
        section = p.get("section", budget_section)
        self.written(project, p, lines, section, ("implementer", "indicators_partial"))
        if "goals" in p:
            g = p["goals"]
            project.goals = self.fill(Goals(), g, path + ("goals",), g.get("section", section),
                                      ("expected", "actual"), texts=("expected", "actual"))
        if "narrative" in p:
            project.narrative = self.narrative(p["narrative"], path + ("narrative",))

    def indicator(self, x: dict, path) -> Indicator:
        lines = self.doc.value_lines(path, x)
        section = x["section"]
        kind = x.get("kind")
        if kind is None:  # derived from the printed levels; a combination the vocabulary lacks leaves it ""
            level1, level2 = _LEVEL1.get(x.get("level1")), _LEVEL2.get(x.get("level2"))
            kind = f"{level1}-{level2}"
            kind = sys.intern(kind) if kind in _KINDS else ""
            kind_line = lines["level2" if "level2" in x else "name"]
        else:
            kind_line = lines["kind"]  # category is read from kind
        category = _categories.get(kind)
        if category is None:
            category = sys.intern(kind.split("-")[0])
            _remember(_categories, kind, category)
        sources = Sources.of(self.file, section, {"name": lines["name"], "kind": kind_line, "category": kind_line})
        values = {}
        blank = None
        for name in ("target", "actual"):
            if name in x:
                # one written value: the quantity's parts all cite the field's source
                _put(sources, name, lines[name])
                if x[name] is None:
                    blank = (name,) if blank is None else blank + (name,)
                else:
                    values[name] = self.quantity(x[name], path, name, sources)
        ind = Indicator(sources=sources, name=x["name"], kind=kind, category=category, **values)
        if blank is not None:
            ind.blank = frozenset(blank)
        if "deviation_reason" in x:
            ind.deviation_reason = x["deviation_reason"]
            _put(sources, "deviation_reason", lines["deviation_reason"])
            if ind.deviation_reason is None:
                ind.blank = ind.blank.union(("deviation_reason",))
        if "includes_tasks_of" in x:
            ind.includes_tasks_of = self.names(x["includes_tasks_of"], path + ("includes_tasks_of",))
            _put(sources, "includes_tasks_of", lines["includes_tasks_of"])
        if not _INDICATOR_BASIC.issuperset(x):
            self.fill(ind, x, path, section, _INDICATOR_EXTRAS, texts=_INDICATOR_TEXTS)
        return ind

    def quantity(self, text: str, path, name: str, sources: Sources) -> Quantity | None:
        known = _quantities.get(text)
        if known is None:
            known = self._parse_quantity(text, path + (name,))
            if known is None:
                return None
            _remember(_quantities, text, known)
        op, value, unit, low = known
        return Quantity(sources=CellSources(sources, name), op=op, value=value, unit=unit, text=text, low=low,
                        kind="" if value is not None else "text")

    def _parse_quantity(self, text: str, path) -> tuple | None:
        """(op, value, unit, low) of an indicator value, or None after reporting why it is not one."""
        simple = _SIMPLE_QUANTITY.fullmatch(text)
        if simple and len(simple.group(2)) <= MAX_DIGITS:  # what the checks below conclude for this form
            op, number, unit = simple.groups()
            return (sys.intern(op) if op else None, Decimal(number), sys.intern(unit), None)
        normalised = text
        for alias, op in _OP_ALIASES.items():
            normalised = normalised.replace(alias, op)
        if normalised.translate(_FULLWIDTH) != normalised:
            self.problem(path, f"数值 “{text}” 含有全角数字或全角 %", "半角数字,如 ≤102.5万元",
                         f"改为 “{normalised.translate(_FULLWIDTH)}”")
            return None
        expected = "[比较符]数值[单位],如 ≤102.5万元、≥95%、100%、12.41万元"
        low = None
        ranged = _RANGE.fullmatch(normalised.strip())
        if ranged:  # "20-40万元": a range target, as the seed's own remedies propose
            low, normalised = Decimal(ranged.group("low")), ranged.group("rest")
            if Decimal(_QUANTITY.fullmatch(normalised).group("num")) < low:
                self.problem(path, f"区间 “{text}” 的下限大于上限", "下限-上限,如 20-40万元")
                return None
        match = _QUANTITY.fullmatch(normalised.strip())
        if not match:  # qualitative ("及时", "有效", "达成预期指标"): kept as printed, no number to compare
            return _TEXT_VALUE
        op, number, unit = match.group("op"), match.group("num"), match.group("unit")
        op = _OP_ALIASES.get(op, op)  # "<=" and ">=" (from "<═", "<＝") as ≤ and ≥
        if _NUMBER_TAIL.match(unit):
            hint = ("不接受科学计数法,请按报告原样写成十进制数" if unit[0] in "eE"
                    else "去掉千位分隔符" if unit[0] in ",，"
                    else "小数点后面缺少数字" if unit[0] == "." else "数字中间不能有空格")
            self.problem(path, f"无法识别的指标值 “{text}”", expected, hint)
            return None
        if sum(ch.isdigit() for ch in number) > MAX_DIGITS:
            self.problem(path, f"指标值 “{text[:40]}” 位数过多(超过 {MAX_DIGITS} 位)", expected)
            return None
        if len(unit) > MAX_UNIT_LENGTH:
            self.problem(path, f"指标值 “{text[:40]}…” 的单位过长,无法识别", expected,
                         "指标值只写比较符、数值和单位,说明文字请写在 deviation_reason 或报告原文中")
            return None
        for word, symbol in _COMPARISON_WORDS.items():
            if unit.endswith(word) and op is None:
                fixed = f"{symbol}{number}{unit[:-len(word)].strip()}"
                self.problem(path, f"指标值 “{text}” 把比较写在了数字后面", expected,
                             f"改为 “{fixed}”(“{word}”包括本数)")
                return None
        if ("元" in unit or "圆" in unit) and unit not in MONEY_TO_WAN and not _PER_UNIT.match(unit):
            known = _TRADITIONAL_MONEY.get(unit)
            self.problem(path, f"无法识别的金额单位 “{unit}”(在 “{text}” 中)",
                         "万元、元 或 亿元,比较符写在数字前面,如 ≤200万元",
                         f"改为 “{known}”" if known else did_you_mean(unit, MONEY_TO_WAN)
                         or "金额单位不明时规则无法换算,会跳过此指标;请改为 万元、元 或 亿元")
            return None
        if low is not None and op is not None:
            self.problem(path, f"区间 “{text}” 前面不能再写比较符", "下限-上限,如 20-40万元")
            return None
        return (op and sys.intern(op), Decimal(number), sys.intern(unit), low)

    def approval(self, a: dict, path) -> Approval:
        approval = Approval(kind=a["kind"], counterpart=self.name(a["counterpart"], path + ("counterpart",)),
                            year=a["year"], document=a.get("document", ""))
        return self.cite(approval, a, path, ("kind", "counterpart", "year", "document"), "kind")

    def claim(self, c: dict, path, order: int, line: int) -> Claim:
        section = c["section"]
        value = c["value"]
        unit = c.get("unit", "")
        if isinstance(value, str):
            value, unit = self.rate(value, path + ("value",)), "%"
        project = c.get("project")
        claim = Claim(id=c["id"], order=order, text=c["text"], measure=c["measure"], value=value, unit=unit,
                      project=project if project is None else self.name(project, path + ("project",)),
                      topic=c.get("topic", ""), scope=c.get("scope", ""),
                      members=self.names(c.get("members", []), path + ("members",)),
                      complements=c.get("complements", ""))
        if "where" in c:
            w = c["where"]
            claim.where = Filter()
            self.written(claim.where, w, self.doc.value_lines(path + ("where",), w), section, ("field", "op", "value"))
        self.cite(claim, c, path, _CLAIM_FIELDS, "value")
        _put(claim.sources, "order", line)
        return claim

    def commitment(self, c: dict, path) -> Commitment:
        item = Commitment(id=c["id"], text=c["text"], kind=c["kind"], project=c.get("project"),
                          due_year=c.get("due_year"), counterpart=c.get("counterpart"),
                          budget_increase=list(c.get("budget_increase", [])),
                          budget_decrease=list(c.get("budget_decrease", [])))
        return self.cite(item, c, path, _COMMITMENT_FIELDS, "kind")

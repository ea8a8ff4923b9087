"""Typed data shared by the stages: facts, rules, parameters and sources.

Fact records carry, for each field, where the value came from (facts file, line and
the report section), so that every finding can cite the facts it used.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True, slots=True)  # slots: a province's facts hold millions of these (docs/performance.md)
class FactSource:
    file: str
    line: int
    section: str  # report section, e.g. "二(一) 表 第1行"


class Sources(dict):
    """A record's field -> FactSource (where its value came from), read as a mapping: get, [], in, items.

    Compact: the fields of a record share its file and mostly its section, so a field holds its line alone (or
    a FactSource where its section differs), and the FactSource is made when first asked for, then kept. The
    loader made 58 FactSources per generated project, half of the objects it keeps; a finding cites a few
    (docs/performance.md "Cheaper records"). Filled by the facts loader with dict.__setitem__; dict(sources) and
    dict.copy give the raw lines."""

    __slots__ = ("file", "section")

    @staticmethod
    def of(file: str, section: str, lines=()) -> Sources:
        """Sources in `file` whose fields cite `section` (lines: field -> line, or -> FactSource). No __init__:
        made this way, one is built in 0.5 against 1.5 us (the loader makes 24 per generated project)."""
        sources = Sources(lines)
        sources.file, sources.section = file, section
        return sources

    def __getitem__(self, name):
        where = dict.__getitem__(self, name)
        return self._made(name, where) if type(where) is int else where

    def get(self, name, default=None, _get=dict.get):
        where = _get(self, name)
        if where is None:
            return default
        return self._made(name, where) if type(where) is int else where

    def _made(self, name, line: int) -> FactSource:
        """The FactSource of a field that holds its line, made now and kept in its place."""
        source = FactSource(self.file, line, self.section)
        dict.__setitem__(self, name, source)
        return source

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]

    def __setitem__(self, name, value):
        raise TypeError("a record's sources are read-only: build a Sources instead")

    def __reduce__(self):
        return Sources.of, (self.file, self.section, dict.copy(self))


NO_SOURCES = Sources.of("", "")  # the sources of a record not read from a file: shared, never filled


class CellSources(Mapping):
    """The sources of a Quantity: each of its fields cites the one cell it was read from, its indicator's
    `target` or `actual` (one small object instead of a dict of five)."""

    __slots__ = ("owner", "name")
    FIELDS = ("op", "value", "unit", "text", "low")

    def __init__(self, owner: Sources, name: str):
        self.owner, self.name = owner, name

    def __getitem__(self, key):
        if key not in self.FIELDS:
            raise KeyError(key)
        return self.owner[self.name]

    def get(self, key, default=None, _get=dict.get):
        if key not in self.FIELDS:
            return default
        where = _get(self.owner, self.name)  # the owner's FactSource, once made: no second Python call
        return self.owner[self.name] if type(where) is int else where

    def __iter__(self):
        return iter(self.FIELDS)

    def __len__(self):
        return len(self.FIELDS)


@dataclass(slots=True)
class Record:
    """Base of fact records: `sources` maps a field name to where its value came from (Sources, or a dict of
    FactSource in records made by hand)."""

    sources: Mapping = field(default_factory=lambda: NO_SOURCES, repr=False, compare=False)
    # how the report printed what is not a value: fields printed blank (null in the facts file) and fields
    # printed as a dash ("—", "/", "无" in a number cell), so that blank, not applicable and not transcribed
    # (absent) stay apart; shared empty defaults keep records that have neither cheap
    blank: frozenset = field(default=frozenset(), repr=False, compare=False)
    dashes: dict | None = field(default=None, repr=False, compare=False)  # field -> the printed mark
    printed: dict | None = field(default=None, repr=False, compare=False)  # field -> printed text where it differs
    unreadable: str | None = field(default=None, repr=False, compare=False)  # cells that could not be read, and why

# money units a report may print, and the factor to 万元, the unit every amount is held in
MONEY_TO_WAN = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}


def money_to_wan(value, unit):
    """An amount in 万元, exactly (the exponent moves, the printed precision stays); None for an unknown unit.
    Written once for the facts loader and the rules' wan() (which passes printed-precision intervals too)."""
    factor = None if value is None else MONEY_TO_WAN.get(unit)
    return None if factor is None else value * factor


@dataclass(slots=True)
class Quantity(Record):
    op: str | None = None  # one of = ≤ ≥ < > or None when stated without comparison
    value: Decimal | None = None  # for a range "20-40万元", the upper bound
    unit: str = ""
    text: str = ""
    low: Decimal | None = None  # lower bound of a range, else None
    kind: str = ""  # "text" for a qualitative value ("及时", "有效"): kept as printed, no number


@dataclass(slots=True)
class Amounts(Record):
    """The four money columns of a budget row: a project's, a 合计 row's or a 其中 sub-row's (万元)."""

    initial: Decimal | None = None
    full_year: Decimal | None = None
    executed: Decimal | None = None
    rate: Decimal | None = None  # the reported 执行率 as a fraction, printed precision kept


@dataclass(slots=True)
class Budget(Amounts):
    received: Decimal | None = None  # 全年到位资金 (万元), where the form has the column
    explanation: str | None = None
    weight: Decimal | None = None  # 分值 of the budget block
    score: Decimal | None = None  # 得分 of the budget block
    adjustment_reason: str | None = None  # 预算调整原因, when printed apart from the explanation
    funding: list = field(default_factory=list)  # Funding: the 其中 sub-rows, in printed order
    funding_partial: bool = False


@dataclass(slots=True)
class Funding(Amounts):
    """One 其中 sub-row of a budget block (当年财政拨款, 上年结转资金 ...)."""

    source: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None


@dataclass(slots=True)
class Goals(Record):
    """年度总体目标: 预期目标 and 实际完成情况, verbatim."""

    expected: str | None = None
    actual: str | None = None


@dataclass(slots=True)
class Narrative(Record):
    """A prose field or free-text section, verbatim: 评价结论, 存在问题, 改进措施 ..."""

    section: str = ""
    heading: str = ""
    text: str | None = None


@dataclass(slots=True)
class Score(Record):
    total: Decimal | None = None
    grade: str | None = None
    weight: Decimal | None = None  # the 分值 printed in the 总分 row


@dataclass(slots=True)
class Indicator(Record):
    name: str = ""
    kind: str = ""  # e.g. 产出-数量
    category: str = ""  # 产出 / 效益 / 满意度
    target: Quantity | None = None
    actual: Quantity | None = None
    deviation_reason: str | None = None
    includes_tasks_of: list = field(default_factory=list)
    level1: str = ""  # 一级指标 as printed
    level2: str = ""  # 二级指标 as printed
    nature: str = ""  # 指标性质 as printed (云南 variant: ﹦ ≥ ≤)
    unit: str = ""  # 度量单位 as printed, when the form has its own column
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分


@dataclass(slots=True)
class Approval(Record):
    kind: str = ""
    counterpart: str = ""
    year: int | None = None
    document: str = ""


@dataclass(slots=True)
class Project(Record):
    name: str = ""
    aliases: list = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)
    score: Score = field(default_factory=Score)
    indicators: list = field(default_factory=list)
    departments_involved: list = field(default_factory=list)
    approvals: list | None = None  # None: not recorded (unknown to the rules); []: recorded as none
    renamed_from: list = field(default_factory=list)  # names this project had in earlier years' reports
    supervisor: str = ""  # 主管部门 (the report's, unless the project names its own)
    implementer: str = ""  # 实施单位
    goals: Goals | None = None
    indicators_partial: bool = False  # the indicator list is cut off where the source stops
    narrative: list = field(default_factory=list)  # Narrative
    # linked by engine/construct/years.py: the same project in the department's previous-year report, when loaded
    previous: Project | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Totals(Amounts):
    pass


@dataclass(slots=True)
class Filter(Record):
    field: str = ""
    op: str = ""
    value: Decimal | None = None


@dataclass(slots=True)
class Claim(Record):
    id: str = ""
    order: int = 0
    text: str = ""
    measure: str = ""
    value: Decimal | None = None
    unit: str = ""
    project: str | None = None
    topic: str | None = None
    scope: str | None = None  # "全部" for claims about every project
    members: list = field(default_factory=list)
    where: Filter | None = None
    complements: str | None = None


@dataclass(slots=True)
class Commitment(Record):
    id: str = ""
    text: str = ""
    kind: str = ""
    project: str | None = None
    due_year: int | None = None
    counterpart: str | None = None
    budget_increase: list = field(default_factory=list)  # projects whose budget is committed to go up
    budget_decrease: list = field(default_factory=list)  # projects whose budget is committed to go down
    # linked by engine/construct/years.py: one CommitmentTarget per project the commitment names
    targets: list = field(default_factory=list, repr=False, compare=False)


@dataclass(slots=True)
class CommitmentTarget(Record):
    """One project a commitment names, resolved in the commitment's year and in the year it is due."""

    name: str = ""  # as written in the commitment
    direction: str = ""  # 增加 / 压缩 for budget commitments, "" otherwise
    project: Project | None = field(default=None, repr=False, compare=False)
    followup_project: Project | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Report(Record):
    """One department's self-evaluation report for one year."""

    department: str = ""
    year: int = 0
    document: str = ""
    file: str = ""
    region: tuple = ()  # ((level, name), ...) as printed: province / city / county; () when not given
    example: bool = False  # an example written for perfaudit, not a published report (document.example)
    # a report whose unit's name is not printed: `department` holds department_described (what identifies
    # it), and it is linked to no other year and covered by no unit-level jurisdiction
    department_printed: bool = True
    money_unit: str = "万元"  # the unit the report printed its amounts in; amounts here are always 万元
    supervisor: str = ""  # 主管部门
    url: str = ""
    form: str = ""  # 表式 as printed
    scope: str = "项目"  # 项目, or 部门整体 (the one project entry is the department as a whole)
    partial: str = ""  # where and why the transcription stops, "" when complete
    projects: list = field(default_factory=list)
    projects_partial: bool = False
    claims_partial: bool = False
    narrative: list = field(default_factory=list)  # Narrative
    totals: Totals = field(default_factory=Totals)
    claims: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    # linked by engine/construct/years.py: (earlier Report, Commitment) pairs due in this report's year
    commitments_due: list = field(default_factory=list, repr=False, compare=False)


# ---- rules side ---------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int = 0


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    verification: str  # primary / secondary / local / unverified
    quote: str | None
    seen_at: str | None
    note: str | None


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    doc_no: str | None
    issuer: str | None
    date: str | None
    url: str | None
    clauses: dict  # clause id -> Clause


@dataclass(frozen=True)
class CitationRef:
    source: str
    clause: str


NATIONAL = "national"  # the jurisdiction of every rule and parameter value that names none
LEVELS = ("national", "province", "city", "county", "unit")  # from the widest to the narrowest
REGION_LEVELS = ("province", "city", "county")  # what a facts file's `region` may name


@dataclass(frozen=True)
class Jurisdiction:
    """Where a rule or a parameter value holds: national, or a pack of local policy (rules/jurisdictions.yaml).

    `covers` lists the places it holds in, each a tuple of (level, name) pairs that must all match the
    report: ((province, 四川省),) covers every report from 四川省; ((unit, 某局),) one unit's reports.
    An auditor widens a local pack to other places by adding entries, without touching Python."""

    id: str
    title: str
    level: str  # one of LEVELS: how specific it is, which decides between two values of one year
    covers: tuple  # of tuples of (level, name)
    location: Location

    def covers_report(self, report) -> bool:
        place = dict(report.region)
        if report.department_printed:  # a description is not a unit's name
            place["unit"] = report.department
        return any(all(place.get(level) == name for level, name in entry) for entry in self.covers)


NATIONAL_JURISDICTION = Jurisdiction(NATIONAL, "全国", NATIONAL, ((),), Location("", 0))


class ReportScope(NamedTuple):
    """What decides which rules and parameter values apply to a report: its year, the jurisdictions
    covering it and whether it is an example. Reports with equal scopes are evaluated together."""

    year: int
    jurisdictions: frozenset  # ids of the jurisdictions covering the report (national always)
    example: bool = False


@dataclass(frozen=True)
class ParameterValue:
    year: int
    value: object
    citations: tuple  # of CitationRef
    location: Location
    jurisdiction: str = NATIONAL  # where this value holds (a Jurisdiction id)
    example: bool = False  # an example value without a real source: only example reports see it


@dataclass(frozen=True)
class Parameter:
    name: str
    title: str
    kind: str  # number / ratio / bands / table / map / list
    values: tuple  # ParameterValue sorted by year
    location: Location
    type: str = "any"  # the expression type (engine/core/catalog.py), e.g. num, table[num]
    specificity: dict = field(default_factory=dict, compare=False)  # jurisdiction id -> index in LEVELS

    def value_for(self, scope: ReportScope) -> ParameterValue | None:
        """The value in force for a report: among the values of its year or earlier that hold where the
        report is (and are not examples, unless the report is one), the latest; in one year the most
        specific jurisdiction wins. An explicit null ends the parameter there."""
        held = [entry for entry in self.values if entry.year <= scope.year and entry.jurisdiction in scope.jurisdictions
                and (scope.example or not entry.example)]
        # of two values with the same year and specificity the later listed wins: max keeps the first it meets
        current = max(reversed(held), key=lambda e: (e.year, self.specificity.get(e.jurisdiction, 0)), default=None)
        return None if current is None or current.value is None else current


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    family: str
    severity: str  # error / warning / info
    subject: str  # report / project / indicator / claim / commitment
    when: str | None
    condition: str
    message: str
    evidence: tuple  # of (label, expression text)
    citations: tuple  # of CitationRef
    effective_from: int | None
    effective_to: int | None
    location: Location
    field_locations: dict  # "condition" / "when" / "evidence.<label>" -> Location
    jurisdiction: str = NATIONAL  # where the rule holds (a Jurisdiction id)

    def in_force(self, year: int) -> bool:
        return ((self.effective_from is None or year >= self.effective_from)
                and (self.effective_to is None or year <= self.effective_to))


@dataclass(frozen=True)
class RuleSet:
    rules: tuple  # of Rule, sorted by id
    parameters: dict  # name -> Parameter
    sources: dict  # id -> Source
    digest: str  # content hash of the rule files
    jurisdictions: dict = field(default_factory=lambda: {NATIONAL: NATIONAL_JURISDICTION})  # id -> Jurisdiction

    def scope_of(self, report) -> ReportScope:
        covering = frozenset(j.id for j in self.jurisdictions.values() if j.covers_report(report))
        return ReportScope(report.year, covering | {NATIONAL}, report.example)

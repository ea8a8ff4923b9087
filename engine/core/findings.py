"""Findings: what is wrong, with which values, citing the policy clause and the facts used."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from .model import MONEY_TO_WAN

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
FAMILY_LABELS = {"grading": "等级评定", "execution-rate": "预算执行率", "indicator-review": "指标合理性",
                 "cross-department": "跨部门协同", "consistency": "数据一致性", "follow-up": "整改跟踪",
                 "scoring": "自评评分", "missing-values": "表格填写", "funding": "资金来源"}
UNEVALUABLE = "cannot-evaluate"  # Finding.outcome of a rule that missing data left undecided
UNEVALUABLE_LABEL = "无法核查(缺少数据)"
_FIELD = re.compile(r"\{([^{}:]+)(?::([a-z]+))?\}")


@dataclass(frozen=True)
class PolicyCitation:
    source: str
    doc_no: str | None
    title: str
    clause: str
    clause_title: str
    verification: str
    quote: str | None
    url: str | None
    kind: str = "policy"


@dataclass(frozen=True)
class FactCitation:
    file: str
    line: int
    section: str
    field: str
    kind: str = "fact"


@dataclass(frozen=True)
class ParameterUse:
    name: str
    title: str
    value: object
    from_year: int
    citations: tuple  # PolicyCitation
    kind: str = ""  # ratio / number / bands / map / list: how reports show the value (not in JSON)


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    family: str
    severity: str
    outcome: str  # fired / cannot-evaluate
    department: str
    year: int
    project: str | None
    subject_kind: str
    subject: str
    message: str
    evidence: tuple  # (label, value)
    citations: tuple  # PolicyCitation then FactCitation
    parameters: tuple = field(default=())  # ParameterUse

    def sort_key(self):
        return (self.year, self.department, self.project or "", SEVERITY_ORDER[self.severity], self.rule,
                self.subject)


def split_unevaluable(findings) -> tuple[list, list]:
    """(findings proper, rules that could not be evaluated): the second are missing data, not problems, so
    every report shows them apart and no severity count or --fail-on includes them."""
    return [f for f in findings if f.outcome != UNEVALUABLE], [f for f in findings if f.outcome == UNEVALUABLE]


def tally(findings) -> dict:
    """{(outcome, severity, family): how many findings}: every count a summary shows, and additive, so that
    partitions evaluated apart are counted without keeping their findings."""
    return dict(Counter((f.outcome, f.severity, f.family) for f in findings))


def template_fields(template: str):
    return [(m.group(1), m.group(2) or "") for m in _FIELD.finditer(template)]


def format_value(value, fmt: str = "", money_unit: str = "万元") -> str:
    """money_unit: the unit the report printed its amounts in; a `wan` amount (always in 万元 inside the
    engine) is shown in it, so that a report printed in 元 reads 215,457.6元 as it printed."""
    kind = type(value)
    if kind is Decimal:  # the common case first; a Decimal subclass is formatted as its Decimal value below
        if fmt == "pct":
            return plain_number(value.scaleb(2), 2) + "%"
        if fmt == "wan" and money_unit != "万元":
            return in_printed_unit(value, money_unit)
        text = plain_number(value)
        return text + "万元" if fmt == "wan" else text
    if kind is str:
        return value
    if value is None:
        return "(缺失)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(v) for v in value) if value else "(无)"
    if isinstance(value, Decimal):
        return format_value(Decimal(value), fmt, money_unit)
    return str(value)


def in_printed_unit(wan: Decimal, unit: str) -> str:
    """An amount in 万元 shown in the report's printed unit, with thousands separators: 21.54576 -> 215,457.6元.
    Exact: the conversion is the loader's (MONEY_TO_WAN) undone, so the printed digits come back."""
    return format(Decimal(plain_number(wan / MONEY_TO_WAN[unit])), ",f") + unit


def plain_number(value: Decimal, places: int = 4) -> str:
    """Exact where short, rounded to `places` decimals where a division made it long (a percentage: 2 places
    of value * 100); never exponent form."""
    if not value.is_finite():
        value.as_tuple().exponent < -places  # noqa: B015 - raises TypeError for NaN/Infinity, as it always did
    text = _plain(value)
    dot = text.find(".")  # exponent < -places, read from the text (as_tuple makes a named tuple)
    if dot >= 0 and len(text) - dot - 1 > places:
        return _plain(value.quantize(_QUANTA.get(places) or Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return text


def _plain(value: Decimal) -> str:
    """format(value, 'f') of a finite Decimal: its str where that has no exponent (the same text, checked on
    300,000 random Decimals), 45 against 215 ns; a pct message field made two of them."""
    text = str(value)
    return format(value, "f") if "E" in text else text


_QUANTA = {places: Decimal(1).scaleb(-places) for places in (2, 4)}  # exact under any context


def render_message(template: str, values: dict, money_unit: str = "万元") -> str:
    """Each {name} or {name:fmt} field of the template replaced by format_value(values.get(name), fmt),
    amounts in the report's printed money_unit."""
    head, fields = parse_template(template)
    return head + "".join([format_value(values.get(name), fmt, money_unit) + literal for name, fmt, literal in fields])


@cache  # parsed once per message template: a rule set has a few dozen
def parse_template(template: str) -> tuple:
    """(the text before the first field, ((name, format, the text after the field up to the next) per field)),
    the fields as _FIELD.sub meets them."""
    pieces = _FIELD.split(template)  # text, then name, format (None when not given) and text per field
    return pieces[0], tuple(zip(pieces[1::3], [fmt or "" for fmt in pieces[2::3]], pieces[3::3]))

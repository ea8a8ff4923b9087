"""Printed cell text -> a facts value, exactly or not at all.

Amounts, points and rates are read as printed: "215,457.6" and "215457.6" are both 215457.6 (Decimal), full-width
digits are read as digits, and where the written value differs from the printed text the printed text is kept.
A blank cell is null; "—", "/" and the other marks of forms.yaml are kept as printed (not applicable). A cell
that holds something else (two numbers, a comma that may be a decimal point, another unit) is not read: the
reason is returned, for the auditor, and the field is left out.

Each reader takes the printed text, the column's printed header (for the reason) and the form's unit of amounts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..spreadsheet.reader import RATE, half_width, parse_number_text, unspaced
from .vocabulary import vocabulary

_UNIT_SUFFIX = re.compile(r"(万元|元)$")
_POINTS_SUFFIX = re.compile(r"分$")
_NUMBERS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class Read:
    value: object = None  # Decimal, str, or None (printed blank)
    printed: str | None = None  # the printed text, where it differs from how the value is written
    problem: str | None = None  # why the cell was not read (value and printed are then meaningless)


def _mark_or_blank(text: str) -> Read | None:
    if not text.strip():
        return Read(None)
    if text.strip() in vocabulary().marks:
        return Read(text.strip())
    return None


def _why_not_a_number(text: str, what: str) -> str:
    found = _NUMBERS.findall(half_width(text))
    if len(found) > 1:
        return f"{what}格中印有 {len(found)} 个数(“{text}”),无法确定哪个属于本栏"
    if found and "," in found[0]:
        return f"{what}“{text}”中的逗号既可能是千位分隔也可能是小数点,两种读法不同"
    return f"{what}“{text}”不是数字"


def _as_printed(value, text: str) -> Read:
    """The value read, with the printed text kept where the value is written differently."""
    written = value if isinstance(value, str) else format(value, "f")
    return Read(value, None if written == text.strip() else text.strip())


def amount(text: str, what: str, unit: str | None) -> Read:
    """An amount in the form's printed unit; "4753.66万元" is read when 万元 is the form's unit."""
    if unit is None:
        return Read(problem=f"{what}: 表中没有印出金额单位(万元或元)")
    found = _mark_or_blank(text)
    if found is not None:
        return found
    plain = unspaced(text)
    suffix = _UNIT_SUFFIX.search(plain)
    if suffix and suffix.group(1) != unit:
        return Read(problem=f"{what}“{text}”印的单位是{suffix.group(1)},与本表的金额单位{unit}不同")
    d = parse_number_text(_UNIT_SUFFIX.sub("", plain))
    if d is None:
        return Read(problem=_why_not_a_number(text, what))
    if d < 0:
        return Read(problem=f"{what}“{text}”是负数,不是金额")
    return _as_printed(d, text)


def points(text: str, what: str, unit: str | None) -> Read:
    """分值 / 得分: a number, "10分" read as 10."""
    found = _mark_or_blank(text)
    if found is not None:
        return found
    d = parse_number_text(_POINTS_SUFFIX.sub("", unspaced(text)))
    if d is None:
        return Read(problem=_why_not_a_number(text, what))
    return _as_printed(d, text)


def rate(text: str, what: str, unit: str | None) -> Read:
    """A percentage as printed ("86.19%"); a bare number is not read (0.8619 or 86.19%? the form does not say)."""
    found = _mark_or_blank(text)
    if found is not None:
        return found
    match = RATE.match(unspaced(text))
    if match:
        return _as_printed(match.group(1) + "%", text)
    if parse_number_text(unspaced(text)) is not None:
        return Read(problem=f"{what}“{text}”没有 % 号,是比例还是百分数无法确定")
    return Read(problem=_why_not_a_number(text, what))


def text_value(text: str, what: str, unit: str | None) -> Read:
    """A text cell: as printed (a "—" here is just text); blank is null."""
    return Read(text.strip() or None)


def quantity(text: str, what: str, unit: str | None) -> Read:
    """年度指标值 / 实际完成值: as printed, full-width digits and signs made half-width (the engine parses it)."""
    if not text.strip():
        return Read(None)
    return _as_printed(half_width(text.strip()), text)


def year_in(text: str) -> int | None:
    match = re.search(r"((?:19|20)[0-9]{2})\s*年度", half_width(text or ""))
    return int(match.group(1)) if match else None


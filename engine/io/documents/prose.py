"""Quantitative statements in free text, as candidate claims for the auditor to confirm or discard.

A sentence is kept, quoted whole, when it states an amount with its unit (32.4万元), a percentage (86.19%,
百分之九十), or a count (7个项目, 七所学校). Chinese numerals are read by cn2an, and only where a unit or
measure word follows them or 百分之 precedes them, so words such as 统一, 一级指标 or 一是 are not numbers.
The measure a claim is about is proposed only when the sentence names exactly one (执行率, 满意度, 项目 ...);
nothing here is confirmed, and nothing here enters the facts until the auditor moves it into `claims:`.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..spreadsheet.reader import half_width

MAX_CANDIDATES = 500
_CN = "零〇一二两三四五六七八九十百千万亿点"
_SENTENCES = re.compile(r"[^。;;!!??\n]+[。;;!!??]?")
_PERCENT = re.compile(rf"([0-9]+(?:\.[0-9]+)?)\s*%|百分之([{_CN}]+)")
_AMOUNT = re.compile(rf"([0-9][0-9,]*(?:\.[0-9]+)?|[{_CN}]+?)\s*(亿元|万元|元)")  # 三十二点四万元: 万 is the unit's
_COUNT = re.compile(rf"([0-9]+|[{_CN}]+)\s*(个|项|所|家|名|人|户|座|条|间)(子?项目)?")
_MEASURES = (("项目个数", ("项目",), "count"), ("总体执行率", ("执行率",), "percent"),
             ("满意度", ("满意",), "percent"), ("预算总额", ("预算", "下达", "安排"), "amount"),
             ("执行总额", ("执行", "支出", "拨付", "使用"), "amount"), ("平均得分", ("平均",), "points"))


@dataclass(frozen=True)
class Candidate:
    section: str  # where the sentence is printed
    text: str  # the sentence, as printed
    printed: str  # the words stating the number
    value: object  # Decimal, or "90%" for a percentage
    unit: str  # 万元 / 元 / 亿元 / 个 ... ("" for a percentage)
    kind: str  # amount / percent / count
    measure: str | None  # a proposal, when the sentence names exactly one measure


def _number(text: str) -> Decimal | None:
    text = text.replace(",", "")
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return Decimal(text)
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns before it raises on text that is not a numeral
        try:
            value = cn2an.cn2an(text, "normal")
        except (ValueError, KeyError, IndexError):
            return None
    try:
        return Decimal(str(value)).normalize() if not isinstance(value, int) else Decimal(value)
    except InvalidOperation:
        return None


def _measure(sentence: str, kind: str) -> str | None:
    named = [name for name, words, wanted in _MEASURES if wanted == kind and any(w in sentence for w in words)]
    return named[0] if len(named) == 1 else None


def _found(sentence: str):
    plain = half_width(sentence)
    for match in _PERCENT.finditer(plain):
        value = _number(match.group(1) or match.group(2))
        if value is not None:
            yield match.group(0), f"{format(value, 'f')}%", "", "percent"
    for match in _AMOUNT.finditer(plain):
        value = _number(match.group(1))
        if value is not None:
            yield match.group(0), value, match.group(2), "amount"
    for match in _COUNT.finditer(plain):
        value = _number(match.group(1))
        if value is not None and value == value.to_integral_value():
            yield match.group(0), value, match.group(2), "count"


def candidates(texts) -> list:
    """texts: (section, text) pairs in printed order -> the candidate claims, in printed order."""
    out: list = []
    for section, text in texts:
        for sentence in (s.strip() for s in _SENTENCES.findall(text or "")):
            for printed, value, unit, kind in _found(sentence):
                measure = _measure(sentence, kind if not (kind == "count" and "项目" not in printed) else "")
                out.append(Candidate(section, sentence, printed, value, unit, kind, measure))
                if len(out) >= MAX_CANDIDATES:
                    return out
    return out

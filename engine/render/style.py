"""How every human-readable report writes things, decided once: punctuation, computed rates, parameter values,
what a finding is about, severity colour on a terminal, and the optional filing metadata.

JSON is the machine format and uses none of this; findings keep the message their rule rendered
(engine/core/findings.py), and the reports only restyle it here.
"""
from __future__ import annotations

import os
import re
from decimal import ROUND_HALF_UP, Decimal

from ..analysis.showing import table_lines
from ..core.findings import FactCitation, format_value

# Chinese characters, CJK and full-width punctuation, and the curly quotes Chinese text uses
_CJK = re.compile("[\u2014\u2018\u2019\u201c\u201d\u2026\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_FULL = {",": "\uff0c", ":": "\uff1a", ";": "\uff1b", "(": "\uff08", ")": "\uff09"}
_OPEN_QUOTES, _CLOSE_QUOTES = "\u201c\u300c", "\u201d\u300d"  # “ 「 and ” 」: quoted text is left as quoted
_HALF = re.compile("[,:;()]")


def _cjk_at(chars, i: int) -> bool:
    return 0 <= i < len(chars) and bool(_CJK.match(chars[i]))


def prose(text: str) -> str:
    """Chinese prose with full-width punctuation: () and : where they touch Chinese text, , and ; anywhere in
    a Chinese sentence (50%,2025 年 too); numbers (1,000), ids, file paths (a word with a '/') and quoted text
    (in “” or 「」) keep their characters. Idempotent.

    Only the brackets and punctuation are visited (by regex), not every character: 30 us a ledger message before,
    1.3 s of the CSV of 10,000 generated projects (tests/test_report_style.py compares the character walk)."""
    if not _HALF.search(text):
        return text
    chars = list(text)
    # only quoted text and path-like words are shielded: most messages have neither
    shielded = _shielded(text) if "/" in text or any(q in text for q in _OPEN_QUOTES) else _NOTHING
    opened = []
    for match in _PARENS.finditer(text):
        i = match.start()
        if i in shielded:
            continue
        if text[i] == "(":
            opened.append(i)
        elif opened:
            j = opened.pop()
            if _cjk_at(chars, j - 1) or _cjk_at(chars, j + 1) or _cjk_at(chars, i - 1) or _cjk_at(chars, i + 1):
                chars[j], chars[i] = _FULL["("], _FULL[")"]
    chinese, full = bool(_CJK.search(text)), []
    for match in _SEPARATORS.finditer(text):
        i, c = match.start(), match.group()
        if i not in shielded and (_cjk_at(chars, i - 1) or _cjk_at(chars, i + 1) or (
                i + 1 < len(chars) and chars[i + 1] == " " and _cjk_at(chars, i + 2)) or (
                c != ":" and chinese and not _between_ascii(chars, i))):
            full.append(i)  # set below: the characters after it still see the half-width one
            if i + 1 < len(chars) and chars[i + 1] == " ":
                chars[i + 1] = ""  # full-width punctuation carries its own space
    for i in full:
        chars[i] = _FULL[chars[i]]
    return "".join(chars)


_PARENS, _SEPARATORS = re.compile("[()]"), re.compile("[,:;]")
_NOTHING: frozenset = frozenset()


def _between_ascii(chars, i: int) -> bool:
    """1,000 or a,b: a separator inside a number or a word, not Chinese punctuation (a ':' must touch Chinese)."""
    before, after = chars[i - 1] if i else "", chars[i + 1] if i + 1 < len(chars) else ""
    return bool(before and after and before.isascii() and after.isascii() and before.isalnum() and after.isalnum())


def _shielded(text: str) -> set:
    """The positions inside quoted text (nested quotes count; the quote marks are not) or a path-like word (a run of
    characters without whitespace or ` that holds a '/'), left alone. (re's \\s is str.isspace.)"""
    out: set = set()
    for word in _WORDS.finditer(text):
        if "/" in word.group():
            out.update(range(word.start(), word.end()))
    depth, after = 0, 0
    for quote in _QUOTES.finditer(text):
        if depth:
            out.update(range(after, quote.start()))
        depth = depth + 1 if quote.group() in _OPEN_QUOTES else max(0, depth - 1)
        after = quote.end()
    if depth:
        out.update(range(after, len(text)))
    return out


_WORDS, _QUOTES = re.compile(r"[^\s`]+"), re.compile(f"[{_OPEN_QUOTES}{_CLOSE_QUOTES}]")


COMPUTED_RATE_PLACES = 2  # docs/reports-and-spreadsheets.md: a rate the tool computes is shown to 0.01%


def computed_rate(value) -> str:
    """A rate perfaudit computed (not one the report printed): always two decimals of a percent, 50.00%."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return format_value(value)
    step = Decimal(1).scaleb(-COMPUTED_RATE_PLACES)
    return format(value.scaleb(2).quantize(step, rounding=ROUND_HALF_UP), "f") + "%"


def parameter_shown(value, kind: str = "") -> str:
    """A parameter value as rules' messages show it: a ratio as a percentage (0.70 -> 70%), grade bands as
    ranges, a lookup table by its size."""
    if value is None:
        return "停用"
    if kind == "ratio" and isinstance(value, Decimal):
        return format_value(value, "pct")
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict) and "grade" in value[0]:
        return "、".join(f"{b['grade']} {b['min']}—{b['max']}" for b in value)
    if kind == "table":
        return "、".join(table_lines(value))
    if isinstance(value, dict):
        return f"(对照表,共 {len(value)} 项)"
    return format_value(value)


def at_most(lines: list, limit: int | None, more: str) -> list:
    """The first `limit` lines (all for None), then `more` with how many were left out, when some were."""
    left = len(lines) - len(lines[:limit])
    return lines[:limit] + ([more.format(left)] if left else [])


CLAIM_QUOTE_CHARS = 16  # how much of a claim's sentence a caption quotes


def subject_caption(f) -> str:
    """What a finding is about, for people: 正文“区城管局部门预算总额为…” rather than the claim id c05."""
    if f.subject_kind == "claim":
        sentence = dict(f.evidence).get("正文")
        if isinstance(sentence, str) and sentence:
            cut = sentence[:CLAIM_QUOTE_CHARS] + ("…" if len(sentence) > CLAIM_QUOTE_CHARS else "")
            return f"正文“{cut}”"
        sections = [c.section for c in f.citations if isinstance(c, FactCitation) and c.field == "原文"]
        return f"{sections[0]}的说法" if sections else "正文中的说法"
    if f.subject_kind == "indicator":
        return f"指标“{f.subject}”"
    return f.subject


# ---- severity colour on a terminal ------------------------------------------------------------------

SEVERITY_COLOURS = {"error": "1;31", "warning": "33", "info": "36"}


def is_terminal(stream) -> bool:
    """stream.isatty(), and False for an object without isatty or a closed stream (whose isatty raises)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def wants_colour(stream) -> bool:
    """Colour only for a person at a terminal: never in a file or a pipe, never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and is_terminal(stream)


def paint(text: str, severity: str, colour: bool) -> str:
    code = SEVERITY_COLOURS.get(severity)
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


# ---- optional filing metadata (编制人, 复核人, 日期) ----------------------------------------------------

METADATA_LABELS = (("prepared_by", "编制人"), ("reviewed_by", "复核人"), ("report_date", "日期"))


def metadata_pairs(options) -> list:
    """(label, value) for the metadata given on the command line, in a fixed order; [] when none was."""
    given = options.extra.get("metadata") or {}
    return [(label, given[key]) for key, label in METADATA_LABELS if given.get(key)]

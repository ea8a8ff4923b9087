"""Values shown to people, in the report's formats: 65.66%, 170.35, “良好”, [宣传部], 是/否, (缺失); parameter
tables as lines or cells. Used by explain (formula.py), its renderers and the reports' parameter tables."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..core.model import Quantity, Record
from ..core.tables import interval_text
from ..expr.intervals import Interval

MAX_TEXT = 30
MISSING = object()  # a node the run did not reach: shown as ?
TRUTH_TEXT = {True: "成立", False: "不成立", None: "无法判断"}


def short(value: Decimal, places: int) -> Decimal:
    """Round long results (from a division) to `places`, unless that would hide a small value:
    then keep four significant digits. Printed numbers keep their own precision."""
    if value.as_tuple().exponent >= -places:
        return value
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == 0 or (rounded != 0 and abs(rounded - value) * 100 <= abs(value)):
        return rounded
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 3), rounding=ROUND_HALF_UP).normalize()


def percent(value: Decimal) -> str:
    return format(short(value.scaleb(2), 2), "f") + "%"


def number(value: Decimal) -> str:
    return format(short(value, 4), "f")


def show(value, pct: bool = False) -> str:
    """A value for people: 65.66%, “良好”, [宣传部], 是/否, (缺失), (空白)."""
    if value is MISSING:
        return "?"
    if value is None:
        return "(缺失)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return percent(value) if pct else number(value)
    if isinstance(value, Interval):
        return f"[{show(value.low, pct)}, {show(value.high, pct)}]"
    if isinstance(value, str):
        if not value:
            return "(空白)"  # printed blank: “” reads as a typo
        text = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
        return f"“{text}”"
    if isinstance(value, Quantity):
        return f"“{value.text}”"
    if isinstance(value, Record):
        name = getattr(value, "name", "")
        return f"“{name}”" if name else f"({type(value).__name__})"
    if isinstance(value, dict):
        return "{" + "、".join(f"{k}→{v}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) and "grade" in v for v in value):
            return "、".join(f"{band['grade']} {interval_text(band, number)}" for band in value)
        if value and all(isinstance(v, dict) and "value" in v and "min" in v for v in value):
            return "、".join(table_lines(value))
        if value and all(isinstance(v, Record) for v in value):
            return f"({len(value)} 项)"
        return "[" + "、".join(show(v, pct).strip("“”") for v in value) + "]"
    return str(value)


def plain_number(value: Decimal) -> str:
    """Trailing zeros a multiplication added beyond two decimals dropped (170.3500 -> 170.35); a value that
    needs more places keeps four significant digits (engine/analysis/formula.py short)."""
    if value.as_tuple().exponent < -2 and value == value.quantize(Decimal("0.01")):
        value = value.quantize(Decimal("0.01"))
    return number(value)


def table_cells(rows) -> list[tuple[str, str]]:
    """A decision table row by row: ("[0.9, 1]", "10")."""
    return [(interval_text(r, number), number(r["value"]) if isinstance(r["value"], Decimal) else r["value"])
            for r in rows]


def table_lines(rows) -> list[str]:
    return [f"{interval} → {result}" for interval, result in table_cells(rows)]


def parameter_text(kind: str, value) -> str:
    if value is None:
        return "(停用)"
    if kind == "map":
        return "、".join(f"{k}→{v}" for k, v in value.items())
    if kind == "list":
        return "、".join(str(v) for v in value)
    return show(value, kind == "ratio")  # a number, a percentage, grade bands or a decision table


def truth(value) -> str:
    return TRUTH_TEXT[value]

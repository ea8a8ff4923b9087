"""Built-in functions of the expression language: signatures for the checker, bodies for the evaluator.

Every function is total: a missing (None) input gives None ("cannot evaluate"), never an exception.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from ..core.catalog import ANY, BOOL, FIGURE, INTERVAL, NUM, STR
from ..core.model import money_to_wan
from ..core.tables import decide
from .intervals import contradicts, span

# Fields a claim's `where` filter may name, mapped to project attribute paths.
FILTER_FIELDS = {
    "得分": ("score", "total"),
    "全年预算": ("budget", "full_year"),
    "全年执行": ("budget", "executed"),
    "报告执行率": ("budget", "rate"),
}


def _abs(x):
    return None if x is None else abs(x)


def _len(xs):
    return None if xs is None else Decimal(len(xs))


def _unit(x):
    """One unit of the last printed digit: unit(65.66%) = 0.0001, unit(282.19) = 0.01."""
    return None if x is None else Decimal(1).scaleb(x.as_tuple().exponent)


def _band(x, bands):
    return decide(bands, x)  # band(x, bands) is decide() with the arguments the other way round: kept for old rules


def _lookup(mapping, key):
    return None if mapping is None or key is None else mapping.get(key)


def _has(mapping, key):
    return None if mapping is None or key is None else key in mapping


def _head_lookup(mapping, text):
    """The entry of the map's word that ends latest in the text: the head of a Chinese noun phrase comes last, so
    培训人数 is a 人数 and 人数覆盖率 a 率; of two words ending at the same place the longer wins (人次 over 次).
    Unknown when no word occurs in the text."""
    if mapping is None or text is None:
        return None
    found = [(text.rfind(word) + len(word), len(word), word) for word in mapping if word and word in text]
    return mapping[max(found)[2]] if found else None


def _listed(items, item):
    """The item is one of the 、-separated items of a text (a map entry such as 人、名、位): whole items only,
    so 人次 is not listed in 人、名. An empty item (a value printed without a unit) is unknown, never unlisted."""
    return None if items is None or not item else item in items.split("、")


def _to_wan(quantity):
    return None if quantity is None else money_to_wan(quantity.value, quantity.unit)


def filter_value(project, field):
    """The project's value of a filter field (FILTER_FIELDS); None for an unknown field or a value not given
    (None has none of the fields' attributes, so getattr goes on giving None)."""
    path = FILTER_FIELDS.get(field, ())
    value = project if path else None
    for part in path:
        value = getattr(value, part, None)
    return value


def _satisfies(project, where):
    value = None if where is None else filter_value(project, where.field)
    if value is None:
        return None
    target = where.value
    return {
        "==": value == target, "!=": value != target, "<": value < target,
        "<=": value <= target, ">": value > target, ">=": value >= target,
    }.get(where.op)


def _present(x):
    return x is not None and x != ""


# round()'s places must be written as a whole number in this range (checked statically, expr/check.py):
# a place count from data or a huge literal would make quantize fail or build a number of that many digits
ROUND_PLACES = range(0, 11)


def _round(x, places):
    if x is None or places is None:
        return None
    # enough precision for every digit of x (a product of amounts may exceed the default 28), so it never raises
    context = Context(prec=max(28, x.adjusted() + int(places) + 2))
    return x.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP, context=context)


def _choose(condition, when_true, when_false):
    return None if condition is None else (when_true if condition else when_false)


def _coalesce(x, default):
    return default if x is None else x


def _printed_blank(record, name):
    """The report printed the field's cell empty (null in the facts file), as opposed to not transcribed."""
    return None if record is None or name is None else name in record.blank


def _printed_dash(record, name):
    """The report printed "—", "/" or "无" in the field's number cell: not applicable."""
    return None if record is None or name is None else record.dashes is not None and name in record.dashes


def _contains(text, words):
    """The text contains one of the words: rule vocabularies (template prompts, reverse-indicator words) name
    fragments of free text, which `==` and `in` cannot match."""
    return None if text is None or words is None else any(word and word in text for word in words)


# name -> (argument types, result type, body). "T" in a result means "same as first argument".
FUNCTIONS = {
    "abs": ((NUM,), NUM, _abs),
    "len": (("list",), NUM, _len),
    "unit": ((NUM,), NUM, _unit),
    "band": ((NUM, "table[str]"), STR, _band),
    "decide": (("table", NUM), "E", decide),
    "lookup": (("map", STR), STR, _lookup),
    "has": (("map", STR), BOOL, _has),
    "head_lookup": (("map", STR), STR, _head_lookup),
    "listed": ((STR, STR), BOOL, _listed),
    "to_wan": (("Quantity",), NUM, _to_wan),
    "satisfies": (("Project", "Filter"), BOOL, _satisfies),
    "wan": ((FIGURE, STR), "T", money_to_wan),  # an interval too: a claim's printed precision is in its own unit
    "present": ((ANY,), BOOL, _present),
    "round": ((NUM, NUM), NUM, _round),
    "coalesce": ((ANY, ANY), "T", _coalesce),
    "choose": ((BOOL, ANY, ANY), "T2", _choose),
    "span": ((FIGURE,), INTERVAL, span),
    "contradicts": ((FIGURE, FIGURE), BOOL, contradicts),
    "printed_blank": ((ANY, STR), BOOL, _printed_blank),
    "printed_dash": ((ANY, STR), BOOL, _printed_dash),
    "contains": ((STR, "list"), BOOL, _contains),
}

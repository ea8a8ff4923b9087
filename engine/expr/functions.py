"""Built-in functions of the expression language: signatures for the checker, bodies for the evaluator.

Every function is total: a missing (None) input gives None ("cannot evaluate"), never an exception.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from ..catalog import ANY, BOOL, FIGURE, INTERVAL, NUM, STR
from .intervals import contradicts, span

MONEY_TO_WAN = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}

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
    if x is None:
        return None
    return Decimal(1).scaleb(x.as_tuple().exponent)


def _band(x, bands):
    if x is None or bands is None:
        return None
    for band in bands:
        low, high = band["min"], band["max"]
        if low <= x < high or (band.get("include_max") and x == high):
            return band["grade"]
    return None


def _lookup(mapping, key):
    if mapping is None or key is None:
        return None
    return mapping.get(key)


def _has(mapping, key):
    if mapping is None or key is None:
        return None
    return key in mapping


def _to_wan(quantity):
    if quantity is None or quantity.value is None:
        return None
    factor = MONEY_TO_WAN.get(quantity.unit)
    return None if factor is None else quantity.value * factor


def _satisfies(project, where):
    if project is None or where is None:
        return None
    path = FILTER_FIELDS.get(where.field)
    if path is None:
        return None
    value = project
    for part in path:
        value = getattr(value, part, None)
        if value is None:
            return None
    target = where.value
    return {
        "==": value == target, "!=": value != target, "<": value < target,
        "<=": value <= target, ">": value > target, ">=": value >= target,
    }.get(where.op)


def _wan(value, unit):
    if value is None or unit is None:
        return None
    factor = MONEY_TO_WAN.get(unit)
    return None if factor is None else value * factor


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
    if condition is None:
        return None
    return when_true if condition else when_false


def _coalesce(x, default):
    return default if x is None else x


def _printed_blank(record, name):
    """The report printed the field's cell empty (null in the facts file), as opposed to not transcribed."""
    if record is None or name is None:
        return None
    return name in record.blank


def _printed_dash(record, name):
    """The report printed "—", "/" or "无" in the field's number cell: not applicable."""
    if record is None or name is None:
        return None
    return record.dashes is not None and name in record.dashes


def _contains(text, words):
    """The text contains one of the words: rule vocabularies (template prompts, reverse-indicator words) name
    fragments of free text, which `==` and `in` cannot match."""
    if text is None or words is None:
        return None
    return any(word and word in text for word in words)


# name -> (argument types, result type, body). "T" in a result means "same as first argument".
FUNCTIONS = {
    "abs": ((NUM,), NUM, _abs),
    "len": (("list",), NUM, _len),
    "unit": ((NUM,), NUM, _unit),
    "band": ((NUM, "bands"), STR, _band),
    "lookup": (("map", STR), STR, _lookup),
    "has": (("map", STR), BOOL, _has),
    "to_wan": (("Quantity",), NUM, _to_wan),
    "satisfies": (("Project", "Filter"), BOOL, _satisfies),
    "wan": ((FIGURE, STR), "T", _wan),  # an interval too: a claim's printed precision is in its own unit
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

FUNCTION_HELP = {
    "abs": "abs(x) 绝对值",
    "len": "len(列表) 元素个数",
    "unit": "unit(x) 报告数字末位的一个单位",
    "band": "band(分数, param.等级档次) 分数所在等级",
    "lookup": "lookup(param.词表, 文字) 查词表",
    "has": "has(param.词表, 文字) 词表是否收录",
    "to_wan": "to_wan(数量) 金额换算为万元",
    "satisfies": "satisfies(项目, 条件) 项目是否满足正文所述条件",
    "wan": "wan(数值, 单位) 按单位换算为万元",
    "present": "present(x) x 有值(非空)",
    "round": "round(x, 小数位) 四舍五入",
    "coalesce": "coalesce(x, 默认值) x 缺失时取默认值",
    "choose": "choose(条件, 甲, 乙) 条件成立取甲,否则取乙",
    "span": "span(x) 报告数字按印刷精度可能的取值范围(末位上下各半个单位)",
    "contradicts": "contradicts(报告数字, 计算结果) 两者的取值范围不相交,即报告数字与计算矛盾",
    "printed_blank": "printed_blank(记录, \"字段\") 报告中该栏印为空白(区别于未转录)",
    "printed_dash": "printed_dash(记录, \"字段\") 报告中该数字栏印为“—”“/”“无”(不适用)",
    "contains": "contains(文字, 词表) 文字是否包含词表中的任一词语",
}

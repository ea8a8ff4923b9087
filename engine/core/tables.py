"""Decision tables: parameter values that map a number to a result by intervals (scoring bands, grade bands).

A row is {min, max, include_min (default true), include_max (default false), <value key>: result}; grade bands
are the table whose result column is named `grade`. The rows must cover their domain without a gap or an
overlap, so that every number of the domain has exactly one result: checked when rules load, not when a
report happens to fall into the hole.
"""
from __future__ import annotations

from decimal import Decimal

from .catalog import NUM, STR

ROW_FLAGS = ("include_min", "include_max")


def _is_number(x) -> bool:
    return isinstance(x, (int, Decimal)) and not isinstance(x, bool)


def result_type(value) -> str | None:
    if _is_number(value):
        return NUM
    if isinstance(value, str) and value.strip():
        return STR
    return None


def table_type(rows) -> str:
    """The expression type of a table: table[num] or table[str] after its results."""
    return f"table[{result_type(rows[0][value_key(rows[0])])}]"


def value_key(row) -> str:
    return "grade" if "grade" in row else "value"


def contains(row, x) -> bool:
    low = row["min"]  # a row x is below is not asked about its top: band() tries the rows top first
    if not (x > low or (x == low and row.get("include_min", True))):
        return False
    high = row["max"]
    return x < high or (x == high and row.get("include_max", False))


def decide(rows, x):
    """The result of the row holding x; unknown (None) outside every row."""
    if x is None or rows is None:
        return None
    for row in rows:
        if contains(row, x):
            return row[value_key(row)]
    return None


def interval_text(row, show) -> str:
    """[0.9, 1] / (0.5, 0.8): the row's interval, each end with its bracket; show formats a number."""
    return (("[" if row.get("include_min", True) else "(") + f"{show(row['min'])}, {show(row['max'])}"
            + ("]" if row.get("include_max", False) else ")"))


def check_rows(value, key: str, domain, label: str, report):
    """The checked rows (min/max as Decimal) or None; report(path, message, expected, suggestion) for each
    problem. domain is (low, high), both included, or None to check only that the rows join up."""
    example = f"[{{min: 0.9, max: 1, include_max: true, {key}: ...}}, {{min: 0.8, max: 0.9, {key}: ...}}, ...]"
    if not isinstance(value, list) or not value:
        report((), f"{label}应为列表,每项含 min、max、{key}", example, "")
        return None
    rows, types = [], set()
    for i, row in enumerate(value):
        row_label = "档次" if key == "grade" else f"{label}第 {i + 1} 行"  # grade bands keep their old wording
        allowed = {"min", "max", key, *ROW_FLAGS} if key == "value" else {"min", "max", key, "include_max"}
        if not isinstance(row, dict) or set(row) - allowed or not {"min", "max", key} <= set(row):
            report((i,), f"{'档次' if key == 'grade' else label + '的每一行'}应写成 {{{key}: 取值, min: 下限, max: 上限}}",
                   f"键只有 min、max、{key} 和可选的 {'include_min、' if key == 'value' else ''}include_max", "")
            return None
        bad = [k for k in ("min", "max") if not _is_number(row[k])]
        for k in bad:
            report((i, k), f"{row_label}的 {k} 应为数字,实际为 {row[k]!r}", "数字,如 90", "去掉引号和文字,只写数字")
        kind = result_type(row[key])
        if kind is None or (key == "grade" and kind != STR):
            report((i, key), f"{row_label}的 {key} 应为{'等级文字' if key == 'grade' else '数字或文字'},"
                             f"实际为 {row[key]!r}", "等级文字,如 优" if key == "grade" else "如 10 或 部分达成", "")
            bad.append(key)
        types.add(kind)
        for flag in ROW_FLAGS:
            if not isinstance(row.get(flag, False), bool):
                report((i, flag), f"{flag} 应为 true 或 false", "true 或 false", "true 表示取值等于该端点时也属于本行")
                bad.append(flag)
        if bad:
            return None
        if row["min"] >= row["max"]:
            report((i,), f"{'档次' if key == 'grade' else label + '中'} {row[key]} 的下限 {row['min']} 不小于上限 {row['max']}",
                   "min 小于 max", "交换 min 与 max,或改正其中一个")
            return None
        # one shape per kind whatever the file omitted: parameters are printed in the JSON output
        checked = {key: Decimal(row[key]) if kind == NUM else row[key], "min": Decimal(row["min"]),
                   "max": Decimal(row["max"]), "include_max": row.get("include_max", False)}
        if key == "value":
            checked["include_min"] = row.get("include_min", True)
        rows.append(checked)
    if len(types) > 1:
        report((), f"{label}的取值应同为数字或同为文字", "同一类取值", "")
        return None
    _check_cover(sorted(rows, key=lambda r: r["min"]), key, domain, label, lambda m, e, s: report((), m, e, s))
    return tuple(rows)


def _check_cover(ordered, key, domain, label, report):
    adjacent = "相邻两行首尾相接:上一行的 max 等于下一行的 min,且该端点只属于其中一行"
    for low, high in zip(ordered, ordered[1:]):
        closed_low, closed_high = low.get("include_max", False), high.get("include_min", True)
        meet = low["max"] == high["min"]
        if low["max"] < high["min"] or (meet and not closed_low and not closed_high):
            report(f"{label}不连续: {low[key]} 的上限 {low['max']} 与 {high[key]} 的下限 {high['min']} 之间有空档",
                   adjacent, "调整相邻两行的 max 或 min")
        elif low["max"] > high["min"] or (meet and closed_low and closed_high):
            report(f"{label}重叠: {low[key]} 的上限 {low['max']} 与 {high[key]} 的下限 {high['min']} 有重叠",
                   adjacent, "调整相邻两行的 max、min 或 include_max")
    if domain is None:
        return
    low, high = domain
    first, last = ordered[0], ordered[-1]
    if first["min"] < low or last["max"] > high:
        report(f"{label}超出取值范围 [{low}, {high}]", f"各行都在 domain [{low}, {high}] 之内", "改正 domain 或超出的行")
    if first["min"] > low or (first["min"] == low and not first.get("include_min", True)):
        report(f"{label}没有覆盖取值范围的下端 {low}", f"第一行从 min: {low} 开始(含)", "补上缺少的一行")
    if last["max"] < high or (last["max"] == high and not last.get("include_max", False)):
        report(f"{label}没有覆盖取值范围的上端 {high}", f"最后一行到 max: {high} 为止,且 include_max: true",
               "补上缺少的一行,或给最后一行写 include_max: true")

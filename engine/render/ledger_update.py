"""Updating a 整改台账 that departments have filled in (issue 16.1), instead of replacing it.

Each finding of this run takes over the fill-in columns (整改措施, 责任科室, 完成时限) of the earlier row
with the same department, year, project, rule and problem text; failing that, of the one earlier row left
for the same department, year, project and rule (the problem's numbers changed). Earlier rows this run does
not report are kept at the end, greyed and marked in 严重程度, never deleted, so nothing a department wrote
is lost. The earlier ledger is read by its header names, so inserted or reordered columns do not matter.
"""
from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass

from .csv_report import FILL_IN, LEDGER_COLUMNS, ledger_rows
from .style import prose
from .xlsx_report import INFO_SHEET, LEDGER_SHEET, TOOL_LABEL, render_xlsx

FILL_IN_COLUMNS = LEDGER_COLUMNS[-FILL_IN:]
NOT_REPORTED = "本次核查未再报告"
_RULE_ID = re.compile(r"(([^()]+))$")
_MAX_EMPTY_ROWS = 1000  # a run of empty rows this long ends the ledger (formatted-but-empty rows are no data)
_MAX_ROWS = 100_000
_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Update:
    data: bytes
    kept: int  # findings that took over what the department had filled in
    added: int  # findings not in the earlier ledger
    not_reported: int  # earlier rows this run does not report (kept, marked)

    def summary(self, shown: str) -> str:
        return (f"已更新整改台账 {shown}: {self.kept} 个问题保留了部门填写的内容,新增 {self.added} 个问题,"
                f"{self.not_reported} 个问题本次未再报告(已标注“{NOT_REPORTED}”,未删除)。")


def earlier_ledger(path) -> list[dict] | None:
    """The rows (header name -> value) of the ledger perfaudit wrote at path, or None when there is none
    (no file, a device or pipe, which must not be read here, or any other file)."""
    import os
    import stat

    from openpyxl import load_workbook

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook at all: the caller refuses to replace it without --force
        return None
    try:
        if LEDGER_SHEET not in book.sheetnames or INFO_SHEET not in book.sheetnames:
            return None
        info = next(book[INFO_SHEET].iter_rows(min_row=1, max_row=1, max_col=2, values_only=True), ())
        if len(info) < 2 or info[0] != TOOL_LABEL or not str(info[1]).startswith("perfaudit"):
            return None
        rows = book[LEDGER_SHEET].iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
        if not set(LEDGER_COLUMNS) <= set(header):
            return None
        return _records(header, rows)
    finally:
        book.close()


def _records(header, rows) -> list[dict] | None:
    out, empty = [], 0
    for values in rows:
        if all(v is None or v == "" for v in values):
            empty += 1
            if empty >= _MAX_EMPTY_ROWS:
                break
            continue
        empty = 0
        out.append({name: value for name, value in zip(header, values) if name in LEDGER_COLUMNS})
        if len(out) > _MAX_ROWS:
            return None
    return out


def _rule_of(value) -> str:
    match = _RULE_ID.search(str(value or ""))
    return match.group(1) if match else str(value or "")


def _place(row) -> tuple:
    """Department, year, project, rule: a finding's place; with the problem text, its key."""
    return (str(row["部门"] or ""), str(row["年度"] or ""), str(row["项目"] or ""), _rule_of(row["规则"]))


def update_ledger(evaluation, earlier: list[dict]) -> Update:
    fresh = ledger_rows(evaluation)
    fresh_records = [dict(zip(LEDGER_COLUMNS, row)) for row in fresh]
    by_key, by_place = defaultdict(list), defaultdict(list)
    for index, row in enumerate(earlier):
        by_key[_place(row) + (prose(str(row["问题"] or "")),)].append(index)  # a ledger from before prose()
        by_place[_place(row)].append(index)
    taken: dict[int, int] = {}  # fresh row -> earlier row
    unmatched = defaultdict(list)
    for n, record in enumerate(fresh_records):
        same = by_key[_place(record) + (record["问题"],)]  # an earlier row is in one of these lists, taken once
        if same:
            taken[n] = same.pop(0)
        else:
            unmatched[_place(record)].append(n)
    used = set(taken.values())
    for place, waiting in unmatched.items():  # the problem text changed: one earlier row left in its place
        left = [i for i in by_place[place] if i not in used]
        if len(waiting) == 1 and len(left) == 1:
            taken[waiting[0]] = left[0]
            used.add(left[0])
    rows = [row[:-FILL_IN] + [_filled(earlier[taken[n]], name) for name in FILL_IN_COLUMNS] if n in taken else row
            for n, row in enumerate(fresh)]
    stale = [row for i, row in enumerate(earlier) if i not in used]
    kept = sum(1 for index in taken.values() if any(_filled(earlier[index], c) != "" for c in FILL_IN_COLUMNS))
    marked = sum(1 for row in stale if _rule_of(row.get("规则")))
    return Update(render_xlsx(evaluation, rows + [_not_reported(row) for row in stale], len(stale)), kept,
                  len(fresh) - len(taken), marked)


def _filled(row, name):
    value = row.get(name)
    return "" if value is None else value


def _not_reported(row) -> list:
    values = [_filled(row, name) for name in LEDGER_COLUMNS]
    values[0] = ""  # 序号 numbers this run's findings only
    severity = LEDGER_COLUMNS.index("严重程度")
    if _rule_of(row.get("规则")) and not str(values[severity]).startswith(NOT_REPORTED):  # not a row people added
        values[severity] = f"{NOT_REPORTED}(原为: {values[severity]})"
    return values

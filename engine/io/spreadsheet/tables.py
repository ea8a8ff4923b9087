"""Finding the tables in a workbook by their header rows, and the department's key-value rows.

Header rows are recognised by their column names (and the aliases people use), so title rows,
notes such as “单位:万元”, inserted rows and renamed sheets do not matter. A title or a note
(注:…, 填表说明…) closes the table above it; blank rows do not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from .cells import CellReader
from .reader import Cell, Sheet, clean_text, half_width
from .template import CLAIMS, COMMITMENTS, DEPARTMENT_FIELDS, INDICATORS, PROJECTS, TABLES, TITLES

_UNIT_IN_HEADER = re.compile(r"[((]\s*(万元|元)\s*[))]")
_NOTE_PREFIXES = ("注", "说明", "填表", "备注:", "备注:")
_REQUIRED = {PROJECTS: ({"name"}, {"full_year", "executed", "initial"}), INDICATORS: ({"name", "level1"}, set()),
             CLAIMS: ({"text", "measure"}, set()), COMMITMENTS: ({"text", "kind"}, set())}
_HEADERS = {name: {text: c for c in columns for text in (c.header, *c.aliases)}  # table -> header or alias -> Column
            for name, columns in TABLES.items()}
_DEPARTMENT_LABELS = {label: key for label, key, _ in DEPARTMENT_FIELDS} | {"部门名称": "department", "单位": "unit",
                                                                           "主管部门": "department"}


@dataclass
class Table:
    name: str  # PROJECTS / INDICATORS / CLAIMS / COMMITMENTS
    sheet: Sheet
    header_row: int
    columns: dict  # Column.key -> column index
    rows: list = field(default_factory=list)


def _header_key(text: str) -> str:
    return re.sub(r"[\s*※]", "", _UNIT_IN_HEADER.sub("", half_width(text)))


def _match_header(name: str, cells: dict) -> dict | None:
    """Column key -> index when this row is the header row of table `name`."""
    found = {}
    for col, text in cells.items():
        column = _HEADERS[name].get(_header_key(text))
        if column is not None:
            found.setdefault(column.key, col)
    must, any_of = _REQUIRED[name]
    if must <= set(found) and (not any_of or any_of & set(found)):
        return found
    return None


class TableScanner(CellReader):
    # ---- finding the tables -----------------------------------------------------

    def scan(self, sheets: list[Sheet]) -> tuple[dict, dict]:
        department: dict = {}
        tables: dict = {}
        for sheet in sheets:
            current: Table | None = None
            for r, row_cells in groupby(sorted(sheet.cells.items()), key=lambda item: item[0][0]):
                row = {c: cell for (_, c), cell in row_cells}
                texts = {c: clean_text(cell.value) for c, cell in row.items() if isinstance(cell.value, str)}
                for name in TABLES:
                    columns = _match_header(name, texts)
                    if columns:
                        break
                if columns:  # a header row of table `name` (None when no table's header matched)
                    if name in tables:
                        first = tables[name]
                        self.problem(f"{sheet.name}!A{r}", f"第二张{name[:2]}表(第一张在 {first.sheet.name} 第 "
                                                          f"{first.header_row} 行)", suggestion="合并为一张表后再导入")
                    current = Table(name, sheet, r, columns)
                    tables.setdefault(name, current)
                    self.header_cells(sheet, r, texts, name, columns)
                    continue
                if self.department_row(sheet, row, department, current is None):
                    continue
                only = clean_text(row[min(row)].value) if len(row) == 1 else None
                if only is not None and (only in TITLES.values() or only.startswith(_NOTE_PREFIXES)):
                    current = None  # a title or a note closes the table above it
                    continue
                if current is not None:
                    current.rows.append((r, row))
        for table in tables.values():
            self.headerless_columns(table)
        return department, tables

    def headerless_columns(self, table: Table) -> None:
        """Values in a column whose header cell is blank (a deleted 全年执行数) are not read: say so, with the
        first of them, instead of leaving them out silently."""
        read = set(table.columns.values())
        first: dict = {}  # column -> the first cell holding a value under a blank header
        for _, row in table.rows:
            for col, cell in row.items():
                if col not in read and (table.header_row, col) not in table.sheet.cells and clean_text(cell.value):
                    first.setdefault(col, cell)
        for col, cell in sorted(first.items()):
            count = sum(1 for _, row in table.rows if col in row and clean_text(row[col].value))
            self.notices.append(f"{table.sheet.name}!{cell.ref} 所在的列没有表头,这一列的 {count} 个值未导入")

    def header_cells(self, sheet: Sheet, r: int, texts: dict, name: str, columns: dict) -> None:
        """A unit in a header cell (全年预算数(万元)) declares the amounts' unit. A header cell naming no column of
        the template is noted as ignored. Two header cells naming one column (not one merged cell) are a problem:
        which one holds the values is unknown, and reading the first silently dropped the other (a second 全年预算数
        where 全年执行数 was)."""
        known = set(columns.values())
        for col, text in sorted(texts.items()):
            key = _header_key(text)
            cell = sheet.cells[(r, col)]
            unit = _UNIT_IN_HEADER.search(half_width(text))
            if unit:
                self.unit_declarations.append((unit.group(1), f"{sheet.name}!{cell.ref}(表头)"))
            if col not in known and key not in ("", "项目资金", "自评结果"):
                self.notices.append(f"{sheet.name}!{cell.ref} 的列“{text}”不在模板中,已忽略")
            column = _HEADERS[name].get(key)
            first = sheet.cells[(r, columns[column.key])] if column is not None else cell
            if cell is not first:
                self.problem(f"{sheet.name}!{cell.ref}", f"表头“{text}”与 {first.ref} 的“{clean_text(first.value)}”"
                                                         f"是同一栏,无法确定读哪一列", column=column.header,
                             suggestion="删去或改正重复的表头后再导入")

    def department_row(self, sheet: Sheet, row: dict, department: dict, outside_table: bool) -> bool:
        first_col = min(row)
        label_cell = row[first_col]
        text = clean_text(label_cell.value)
        label, value_cell = text.rstrip("::"), None
        inline = re.match(r"^([^::]+)[::]\s*(.+)$", half_width(text))
        if inline and inline.group(1).strip() in _DEPARTMENT_LABELS:
            label = inline.group(1).strip()
            value_cell = Cell(inline.group(2).strip(), label_cell.ref, label_cell.fmt)
        if label not in _DEPARTMENT_LABELS or (not outside_table and len(row) > 2):
            return False
        if value_cell is None:
            value_cell = row.get(first_col + 1)  # the value sits right of its label; further right are notes
            if value_cell is None:
                return True  # the label with nothing filled in: an empty template row
        key = _DEPARTMENT_LABELS[label]
        if key in department and department[key][1].ref != value_cell.ref:
            self.problem(f"{sheet.name}!{value_cell.ref}", f"“{label}”填写了两次(另一处在 "
                                                          f"{department[key][0].name}!{department[key][1].ref})")
        department.setdefault(key, (sheet, value_cell))
        return True

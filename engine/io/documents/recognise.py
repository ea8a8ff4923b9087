"""Finding the self-evaluation forms in a Document by their printed labels (forms.yaml), row by row.

The tables' rows are read in document order as one stream, so a form may span several tables (a web page
that prints the key rows, the budget block and the indicators as separate tables) and a table may hold
several forms (one after another, each starting at its 项目名称 row). A header row (年初预算数 / 全年预算数 ...,
or 一级指标 / 三级指标 / 年度指标值 ...) says which column holds which field for the rows below it, so columns
may be added, dropped or reordered by a provincial variant. Rows are recognised by their label cells, never
by position: a total row printed after its sub-rows is still the total row.

A value cell merged across columns of two fields, or down two data rows, does not say which field or row its
value belongs to: it is not read, and the place and reason are kept for the auditor.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from ..spreadsheet.importer import carry_levels
from ..spreadsheet.reader import ref
from . import values
from .model import Cell, Document
from .vocabulary import label_key, unit_in, vocabulary

SCORE_READERS = {"weight": values.points, "score": values.points}  # each field's reader (values.py)
BUDGET_READERS = {"initial": values.amount, "full_year": values.amount, "executed": values.amount,
                  "received": values.amount, "rate": values.rate, **SCORE_READERS}
INDICATOR_READERS = {"level1": values.text_value, "level2": values.text_value, "name": values.text_value,
                     "nature": values.text_value, "unit": values.text_value, "deviation_reason": values.text_value,
                     "target": values.quantity, "actual": values.quantity, **SCORE_READERS}
MAX_TITLE = 80  # a longer line above a table is prose, not its title
SHARED_DOWN_ROWS = {"level1", "level2", "deviation_reason"}  # labels and one reason may serve several rows
HEADERS = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数", "received": "全年到位资金",
           "rate": "执行率",
           "weight": "分值", "score": "得分", "level1": "一级指标", "level2": "二级指标", "name": "三级指标",
           "nature": "指标性质", "unit": "度量单位", "target": "年度指标值", "actual": "实际完成值",
           "deviation_reason": "偏差原因分析及改进措施", "expected": "预期目标", "total": "总分"}


@dataclass
class Value:
    value: object
    ref: str
    printed: str | None = None


@dataclass
class Record:
    """One row's worth of values: the budget total, a funding sub-row, an indicator, the total score."""

    section: str
    label: str = ""
    values: dict = field(default_factory=dict)  # field -> Value
    unreadable: list = field(default_factory=list)  # (cell's place, reason)


@dataclass
class Form:
    table: str
    keys: dict = field(default_factory=dict)  # name / supervisor / implementer / department -> Value
    title: str | None = None
    scope: str | None = None
    year: Value | None = None
    unit: Value | None = None
    budget: Record | None = None
    funding: list = field(default_factory=list)
    goals: Record | None = None
    indicators: list = field(default_factory=list)
    score: Record | None = None
    narrative: list = field(default_factory=list)  # (section, heading, text)
    left_out: list = field(default_factory=list)  # (place, reason) for rows not recognised

    @property
    def has_content(self) -> bool:
        return bool(self.keys or self.budget or self.funding or self.indicators or self.goals)

    @property
    def is_form(self) -> bool:
        return bool(self.budget or self.funding or self.indicators)


@dataclass
class _Entry:
    first: int  # the columns this cell covers in the row
    last: int
    cell: object
    text: str  # the cell's


def _entries(grid: dict, r: int, columns: int) -> list:
    out: list = []
    for cell, run in itertools.groupby(range(1, columns + 1), lambda c: grid.get((r, c))):  # the columns a cell covers
        if cell is not None:
            covered = list(run)
            out.append(_Entry(covered[0], covered[-1], cell, cell.text))
    return out


class _Reader:
    def __init__(self, doc: Document, unit_option: str | None):
        self.vocab = vocabulary()
        self.doc = doc
        self.forms: list = []
        self.form: Form | None = None
        self.pending = Form("")  # the title and year printed above the next form
        # amounts of a form without its own unit label are read in --unit, or the unit of a line such as 单位:元
        self.unit_option = unit_option or next((u for p in doc.paragraphs if (u := unit_in(p.text))), None)

    # ---- the stream ------------------------------------------------------------

    def read(self) -> list:
        for k, table in enumerate(self.doc.tables):
            self.table = table
            self.block, self.columns = None, {}
            for paragraph in self.doc.paragraphs:  # the title and year lines printed above this table
                if paragraph.tables_before == k and len(paragraph.text) <= MAX_TITLE:
                    self.title_row(paragraph.text, paragraph.ref)
            self.grid, self.width = table.grid(), table.columns  # columns, once: it walks every cell
            for r in range(1, table.rows + 1):
                self.row(r, _entries(self.grid, r, self.width))
        self.new_form()  # the last form read
        return [f for f in self.forms if f.is_form]

    def current(self) -> Form:
        if self.form is None:
            self.form = replace(self.pending, table=self.table.name)
            self.pending = Form("")
        return self.form

    def new_form(self) -> None:
        if self.form is not None and self.form.has_content:
            self.forms.append(self.form)
        self.form = None  # the next one is made by current(), with the title and year printed above it
        self.block, self.columns = None, {}

    def row(self, r: int, entries: list) -> None:
        filled = [e for e in entries if e.text]
        if not filled:
            return
        for e in filled:
            unit = unit_in(e.text)
            if unit and e.cell.row == r:
                self.note_unit(unit, e.cell.ref)
        if len({id(e.cell) for e in filled}) == 1 and self.title_row(filled[0].text, filled[0].cell.ref):
            return
        if label_key(filled[0].text) in self.vocab.ignored_rows or self.key_row(filled) or \
                self.header_row(entries) or self.narrative_row(r, filled):
            return
        if self.block is not None:  # the row reader of the block whose header row was read last
            self.block(r, entries)

    def note_unit(self, unit: str, ref: str) -> None:
        form = self.current()
        if form.unit is None:
            form.unit = Value(unit, ref)
        elif form.unit.value != unit:
            form.left_out.append((ref, f"金额单位印为“{unit}”,与 {form.unit.ref} 的“{form.unit.value}”不同"))

    def title_row(self, text: str, ref: str) -> bool:
        """A title or year line (in a table row of its own, or printed above the table): it belongs to the form
        being read, or to the next one when that form already has rows."""
        title = self.vocab.title_in(text)
        year = values.year_in(text)
        if not title and not year:
            return False
        waiting = self.form is not None and self.form.has_content
        form = self.pending if waiting else self.current()
        if title:
            form.title, form.scope = text, title[1]
        if year and (waiting or form.year is None):  # the form's first year line; the last one above the next
            form.year = Value(year, ref)
        return True

    # ---- key rows ------------------------------------------------------------

    def key_row(self, filled: list) -> bool:
        keys = [self.vocab.keys.get(label_key(e.text)) for e in filled]
        found = [(key, entry) for key, next_key, entry in zip(keys, keys[1:], filled[1:]) if key and not next_key]
        if not found:
            return False
        for key, entry in found:
            if key in self.vocab.starts_form and self.form is not None and self.form.has_content and \
                    (key in self.form.keys or self.form.is_form):
                self.new_form()
            self.current().keys.setdefault(key, Value(entry.text, entry.cell.ref))
        return True

    # ---- header rows ---------------------------------------------------------

    def header_row(self, entries: list) -> bool:
        def mapped(labels: dict) -> dict:
            out = {}
            for e in entries:
                key = labels.get(label_key(e.text))
                if key and key not in out:
                    out[key] = (e.first, e.last)
            return out

        indicator = mapped(self.vocab.indicator_columns)
        if "name" in indicator and ({"target", "actual"} & set(indicator)):
            self.block, self.columns = self.indicator_row, indicator
            self.carried: dict = {}
            return True
        budget = mapped(self.vocab.budget_columns)
        if len(budget) >= 2 and ({"full_year", "executed"} & set(budget)):
            self.block, self.columns = self.budget_row, budget
            return True
        checklist = {key: (e.first, e.last) for e in entries if (key := label_key(e.text)) in self.vocab.checklist_columns}
        if len(checklist) >= 2:
            self.block, self.columns = self.checklist_row, {e.text: checklist[label_key(e.text)] for e in entries
                                                            if label_key(e.text) in checklist}
            return True
        goals = mapped(self.vocab.goals_columns)
        if goals and any(label_key(e.text) in self.vocab.goals_label for e in entries):
            self.block, self.columns = self.goals_row, goals
            self.current().goals = None
            return True
        return False

    def narrative_row(self, r: int, filled: list) -> bool:
        first = filled[0]
        key = label_key(first.text)
        if first.cell.row != r or key not in self.vocab.narrative and key not in self.vocab.goals_label:
            return False  # a label merged down from a header row above labels that block's rows
        rest = [e for e in filled[1:] if e.cell is not first.cell]
        if not rest or self.block == self.indicator_row and key not in self.vocab.narrative:
            return False
        text = "\n".join(e.text for e in rest)
        self.current().narrative.append((rest[0].cell.ref, first.text, text))
        return True

    # ---- reading one value cell ------------------------------------------------

    def address(self, r: int, c: int) -> str:
        """The address of a position no cell covers: the one of the row's nearest cell on its left (else on its
        right; a row is read only when it has a cell), its column replaced. Its row is counted from that cell's
        own: a table continued on the next page (read_pdf._join) numbers its rows on from the first page's, while
        its cells keep their page's table and row."""
        columns = itertools.chain(range(c, 0, -1), range(c + 1, self.width + 1))
        near = next(self.grid[(r, k)] for k in columns if (r, k) in self.grid)
        table, row = place(near.ref)
        row += r - near.row
        return f"{table}!{ref(row, c)}" if "!" in near.ref else f"{table} 第{row}行第{c}列"

    def label_columns(self, entries: list) -> list:
        start = min(first for first, _ in self.columns.values())
        return [e for e in entries if e.first < start and e.text]

    def cell_for(self, r: int, key: str, record: Record, shared_down: bool = False):
        """The cell holding `key` in row r, or None (with the reason in record.unreadable) when a merge leaves
        its field or row open."""
        first, last = self.columns[key]
        cell = self.grid.get((r, first))
        if cell is None:  # a spreadsheet stores no blank cells, a web page may print a short row: blank
            return Cell(r, first, "", ref=self.address(r, first))
        spanned = [k for k, (f, l) in sorted(self.columns.items(), key=lambda item: item[1])
                   if f <= cell.col + cell.colspan - 1 and l >= cell.col]
        if cell.text and len(spanned) > 1:
            self.unreadable(record, cell, f"合并跨{'、'.join(HEADERS.get(k, k) for k in spanned)}{len(spanned)}栏,"
                                          f"印有“{cell.text}”,无法确定属于哪一栏")
            return None
        if cell.text and cell.rowspan > 1 and not shared_down:
            top = place(cell.ref)[1]  # its own table's row: a table continued on the next page numbers rows on
            self.unreadable(record, cell, f"{HEADERS.get(key, key)}格合并跨第{top}至{top + cell.rowspan - 1}"
                                          f"行,印有“{cell.text}”,无法确定属于哪一行")
            return None
        return cell

    @staticmethod
    def unreadable(record: Record, cell, reason: str) -> None:
        if (cell.ref, reason) not in record.unreadable:  # a cell merged over three fields is one reason, not three
            record.unreadable.append((cell.ref, reason))

    def read_values(self, r: int, record: Record, readers: dict, unit: str | None) -> None:
        for key in self.columns:
            if key not in readers:
                continue
            cell = self.cell_for(r, key, record, shared_down=key in SHARED_DOWN_ROWS)
            if cell is None:
                continue
            read = readers[key](cell.text, HEADERS.get(key, key), unit)
            if read.problem:
                self.unreadable(record, cell, read.problem)
            else:
                record.values[key] = Value(read.value, cell.ref, read.printed)

    # ---- the blocks -----------------------------------------------------------

    def budget_row(self, r: int, entries: list) -> None:
        labels = self.label_columns(entries)
        label = next((e for e in reversed(labels) if label_key(e.text) in self.vocab.budget_total or
                      self.vocab.funding_label(e.text)), None)
        if label is None:
            self.unrecognised(r, entries, labels)
            return
        form = self.current()
        record = Record(f"{place(label.cell.ref)[0]} {label.text}行", label.text)
        self.read_values(r, record, BUDGET_READERS, form.unit.value if form.unit else self.unit_option)
        if label_key(label.text) in self.vocab.budget_total:
            if form.budget is not None:
                form.left_out.append((label.cell.ref, f"第二个“{label.text}”行,未导入"))
                return
            form.budget = record
        else:
            form.funding.append(record)

    def goals_row(self, r: int, entries: list) -> None:
        form = self.current()
        if form.goals is None:
            form.goals = Record(f"{place(entries[0].cell.ref)[0]} 年度总体目标")
        for key in ("expected", "actual"):
            if key not in self.columns:
                continue
            cell = self.cell_for(r, key, form.goals, shared_down=True)
            if cell is None or cell.row != r:
                continue
            old = form.goals.values.get(key)
            text = "\n".join(t for t in (old.value if old else None, cell.text) if t)  # a text continued below
            form.goals.values[key] = Value(text or None, old.ref if old else cell.ref)

    def indicator_row(self, r: int, entries: list) -> None:
        form = self.current()
        labels = [e for e in entries if e.text]
        if any(label_key(e.text) in self.vocab.total_row for e in labels[:2]):
            total = labels[0]
            record = Record(f"{place(total.cell.ref)[0]} {total.text}行", total.text)
            self.read_values(r, record, SCORE_READERS, None)
            if "score" in record.values:
                record.values["total"] = record.values.pop("score")
            form.score = record
            return
        record = Record(self.table.name)
        self.read_values(r, record, INDICATOR_READERS, None)
        name = record.values.get("name")
        if name is None or not name.value or set(str(name.value)) <= set(".…。"):
            if any(k not in ("level1", "level2") and v.value for k, v in record.values.items()):
                where = next(v.ref for v in record.values.values())
                form.left_out.append((where, "这一行有数值但三级指标为空,未导入"))
            return
        table, row = place(name.ref)
        record.section = f"{table} 绩效指标 第{row}行"
        carry_levels(record.values, {key for key, value in record.values.items() if value.value}, self.carried)
        form.indicators.append(record)

    def checklist_row(self, r: int, entries: list) -> None:
        """Each column's cell is narrative headed by the row's labels (a label merged down serves every row it
        covers; the row's number, 行次, is not a label) and the column's printed label; a blank cell is null."""
        labels = [e.text for e in self.label_columns(entries) if not e.text.isdigit()]
        for label, (first, _) in self.columns.items():
            cell = self.grid.get((r, first)) or Cell(r, first, "", ref=self.address(r, first))  # not stored: blank
            if cell.row == r:
                self.current().narrative.append((cell.ref, " ".join([*labels, label]), cell.text or None))

    def unrecognised(self, r: int, entries: list, labels: list) -> None:
        data = [e for e in entries if e.text and e not in labels]
        if not data:
            return
        where = labels[-1].cell.ref if labels else data[0].cell.ref
        label = labels[-1].text if labels else ""
        self.current().left_out.append((where, f"行标签“{label}”不在 forms.yaml 的资金行词表中,这一行未导入"
                                        if label else "资金栏中这一行没有行标签,未导入"))


def place(address: str) -> tuple:
    """A cell's address as (table, row): 第2页 表1 第7行第3列 -> (第2页 表1, 7); 项目表!B7 -> (项目表, 7)."""
    if "!" in address:
        sheet, cell = address.rsplit("!", 1)
        return sheet, int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    table, _, cell = address.rpartition(" ")
    return table, int(cell[1:].split("行")[0])


def recognise(doc: Document, unit_option: str | None = None) -> list:
    """The forms found, in printed order, each with its values and what was left out."""
    return _Reader(doc, unit_option).read()

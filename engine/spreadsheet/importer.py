"""Import a filled-in self-evaluation workbook (xlsx, or the same layout as one csv) as a facts file.

Tables are found by their header rows, not by fixed positions, so inserted title rows, notes and
blank rows do not matter; sheets may be renamed. Every value keeps its cell as provenance: a
block's `section` names the cells it came from (项目表!C5:H5) and every value line carries its
cell in a comment. Amounts are read in the declared unit (部门表 金额单位 or --unit, never
guessed) and converted to 万元 exactly. Every problem is reported with sheet, cell and reason,
all at once; the generated text is validated by the normal facts loader before anything is written.
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import Collector, Diagnostic, InputError, did_you_mean
from .reader import (Cell, Sheet, clean_text, float_decimal, format_decimals, half_width, normalise_ops,
                     parse_number_text, read_csv, read_xlsx, with_decimals)
from .template import (CLAIMS, COMMITMENTS, DEPARTMENT_FIELDS, INDICATORS, PROJECTS, TABLES, TITLES, TOTAL_LABELS,
                       UNITS, Column)
from .yamlwrite import Remark, Sourced, write_yaml

_RATE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)%$")
_QUANTITY = re.compile(r"^(≤|≥|<|>|=)?\s*[0-9]+(\.[0-9]+)?\s*\S*.*$")
_LIST_SPLIT = re.compile(r"[、,,;;\n]+")
_UNIT_IN_HEADER = re.compile(r"[((]\s*(万元|元)\s*[))]")
_NOTE_PREFIXES = ("注", "说明", "填表", "备注:", "备注:")
_DEPARTMENT_LABELS = {label: key for label, key, _ in DEPARTMENT_FIELDS} | {"部门名称": "department", "单位": "unit",
                                                                           "主管部门": "department"}


@dataclass
class Table:
    name: str  # PROJECTS / INDICATORS / CLAIMS / COMMITMENTS
    sheet: Sheet
    header_row: int
    columns: dict  # Column.key -> column index
    rows: list = field(default_factory=list)


@dataclass
class ImportResult:
    text: str
    department: str
    year: int
    notices: list


def _header_key(text: str) -> str:
    return re.sub(r"[\s*※]", "", _UNIT_IN_HEADER.sub("", half_width(text)))


def _match_header(name: str, cells: dict) -> dict | None:
    """Column key -> index when this row is the header row of table `name`."""
    found = {}
    for col, text in cells.items():
        key = _header_key(text)
        for column in TABLES[name]:
            if key == column.header or key in column.aliases:
                found.setdefault(column.key, col)
    required = {PROJECTS: ({"name"}, {"full_year", "executed", "initial"}), INDICATORS: ({"name", "level1"}, set()),
                CLAIMS: ({"text", "measure"}, set()), COMMITMENTS: ({"text", "kind"}, set())}[name]
    must, any_of = required
    if must <= set(found) and (not any_of or any_of & set(found)):
        return found
    return None


class _Importer:
    def __init__(self, display: str, year: int, unit_option: str | None):
        self.display = display
        self.year = year
        self.unit_option = unit_option
        self.collector = Collector()
        self.notices: list[str] = []
        self.unit_declarations: list = []  # (unit, where)
        self.unit = "万元"

    # ---- reporting --------------------------------------------------------------

    def problem(self, where: str, message: str, expected: str = "", suggestion: str = "", column: str = "") -> None:
        self.collector.add(Diagnostic(f"{self.display} {where}", 0, 0, column, message, expected, suggestion))

    def at(self, sheet: Sheet, cell: Cell) -> str:
        return f"{sheet.name}!{cell.ref}"

    # ---- finding the tables -----------------------------------------------------

    def scan(self, sheets: list[Sheet]) -> tuple[dict, dict]:
        department: dict = {}
        tables: dict = {}
        for sheet in sheets:
            current: Table | None = None
            for r in range(1, sheet.rows + 1):
                row = {c: cell for (rr, c), cell in sheet.cells.items() if rr == r}
                if not row:
                    continue
                texts = {c: clean_text(cell.value) for c, cell in row.items() if isinstance(cell.value, str)}
                header = None
                for name in TABLES:
                    columns = _match_header(name, texts)
                    if columns:
                        header = (name, columns)
                        break
                if header:
                    name, columns = header
                    self.header_units(sheet, r, row)
                    if name in tables:
                        first = tables[name]
                        self.problem(f"{sheet.name}!A{r}", f"第二张{name[:2]}表(第一张在 {first.sheet.name} 第 "
                                                          f"{first.header_row} 行)", suggestion="合并为一张表后再导入")
                    current = Table(name, sheet, r, columns)
                    tables.setdefault(name, current)
                    self.unknown_columns(sheet, r, texts, columns)
                    continue
                if self.department_row(sheet, row, department, current is None):
                    continue
                first_col = min(row)
                only = clean_text(row[first_col].value) if len(row) == 1 else None
                if only is not None and (only in TITLES.values() or only.startswith(_NOTE_PREFIXES)):
                    current = None  # a title or a note closes the table above it
                    continue
                if current is not None:
                    current.rows.append((r, row))
        return department, tables

    def header_units(self, sheet: Sheet, r: int, row: dict) -> None:
        for cell in row.values():
            match = _UNIT_IN_HEADER.search(half_width(clean_text(cell.value)))
            if match:
                self.unit_declarations.append((match.group(1), f"{sheet.name}!{cell.ref}(表头)"))

    def unknown_columns(self, sheet: Sheet, r: int, texts: dict, columns: dict) -> None:
        known = set(columns.values())
        for col, text in sorted(texts.items()):
            if col not in known and _header_key(text) not in ("", "项目资金", "自评结果"):
                self.notices.append(f"{sheet.name}!{sheet.get(r, col).ref} 的列“{text}”不在模板中,已忽略")

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

    # ---- reading cells ----------------------------------------------------------

    def cell_text(self, sheet: Sheet, cell: Cell | None) -> str | None:
        if cell is None:
            return None
        if cell.formula:
            self.problem(self.at(sheet, cell), "公式单元格没有保存计算结果",
                         suggestion="在 Excel 中打开后保存一次(保留计算结果),或改为直接填写数值")
            return None
        text = clean_text(cell.value)
        return text or None

    def number(self, sheet: Sheet, cell: Cell, header: str, allow_percent=False) -> Decimal | None:
        """A plain number as shown (format decimals kept); text like “93.14分” or “1,703,500” accepted."""
        where = self.at(sheet, cell)
        if cell.formula:
            self.cell_text(sheet, cell)
            return None
        value = cell.value
        if isinstance(value, bool):
            self.problem(where, f"{header} 应为数字,却是 {value}", column=header)
            return None
        if isinstance(value, (int, float)):
            places, percent = format_decimals(cell.fmt)
            if percent and not allow_percent:
                self.problem(where, f"{header} 单元格是百分比格式", expected="普通数字格式", column=header)
                return None
            d = float_decimal(float(value)) if isinstance(value, float) else Decimal(value)
            if not d.is_finite():
                self.problem(where, f"{header} 不是有限数", column=header)
                return None
            return with_decimals(d, places)
        text = half_width(clean_text(value)).replace(" ", "")
        d = parse_number_text(re.sub(r"(万元|元|分)$", "", text))
        if d is None:
            self.problem(where, f"{header} “{clean_text(value)}” 不是数字", expected="数字,如 170.35",
                         column=header)
        return d

    def amount(self, sheet: Sheet, cell: Cell, header: str) -> Sourced | None:
        text = half_width(clean_text(cell.value)).replace(" ", "") if isinstance(cell.value, str) else ""
        written = re.search(r"(万元|元)$", text)
        if written and written.group(1) != self.unit:
            self.problem(self.at(sheet, cell), f"{header} “{clean_text(cell.value)}” 的单位与声明的金额单位"
                                               f"“{self.unit}”不同", suggestion=f"按{self.unit}填写数字", column=header)
            return None
        d = self.number(sheet, cell, header)
        if d is None:
            return None
        if d < 0:
            self.problem(self.at(sheet, cell), f"{header} 为负数({d})", expected="不小于 0 的金额", column=header)
            return None
        if self.unit == "元":
            return Sourced(d.scaleb(-4), self.at(sheet, cell), f"原表 {format(d, 'f')} 元")
        return Sourced(d, self.at(sheet, cell))

    def rate(self, sheet: Sheet, cell: Cell, header: str) -> Sourced | None:
        where = self.at(sheet, cell)
        if cell.formula:
            self.cell_text(sheet, cell)
            return None
        value = cell.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            places, percent = format_decimals(cell.fmt)
            if not percent:
                self.problem(where, f"{header} 是普通数字 {clean_text(value)},无法确定是否为百分数",
                             expected="百分数,如 65.66%", column=header,
                             suggestion="把单元格设为百分比格式,或填写文字“65.66%”")
                return None
            d = float_decimal(float(value)) if isinstance(value, float) else Decimal(value)
            return Sourced(format(with_decimals(d.scaleb(2), places), "f") + "%", where)
        text = half_width(clean_text(value)).replace(" ", "")
        match = _RATE.match(text)
        if match:
            return Sourced(f"{match.group(1)}%", where)
        hint = "如果是百分数,请加上 %" if parse_number_text(text) is not None else ""
        self.problem(where, f"{header} “{clean_text(value)}” 不是百分数", expected="百分数,如 65.66%",
                     suggestion=hint, column=header)
        return None

    def quantity(self, sheet: Sheet, cell: Cell, header: str) -> Sourced | None:
        where = self.at(sheet, cell)
        if cell.formula:
            self.cell_text(sheet, cell)
            return None
        value = cell.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            places, percent = format_decimals(cell.fmt)
            d = float_decimal(float(value)) if isinstance(value, float) else Decimal(value)
            text = format(with_decimals(d.scaleb(2) if percent else d, places), "f") + ("%" if percent else "")
            return Sourced(text, where)
        raw = clean_text(value)
        text = normalise_ops(half_width(raw))
        text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", text).strip()
        if _QUANTITY.match(text):
            return Sourced(text, where, f"原表 “{raw}”" if text != raw else "")
        self.notices.append(f"{where} {header} “{raw}” 不是数值型指标值(如 ≤200万元、≥95%),未导入,核查时视为缺失")
        return None

    def names(self, sheet: Sheet, cell: Cell) -> Sourced | None:
        text = self.cell_text(sheet, cell)
        if not text:
            return None
        items = [clean_text(x) for x in _LIST_SPLIT.split(text)]
        return Sourced([x for x in items if x], self.at(sheet, cell))

    def year_value(self, sheet: Sheet, cell: Cell, header: str) -> int | None:
        text = half_width(clean_text(cell.value)).replace(" ", "")
        match = re.fullmatch(r"([0-9]{4})(年|年度)?", text)
        if not match or not 1990 <= int(match.group(1)) <= 2100:
            self.problem(self.at(sheet, cell), f"{header} “{clean_text(cell.value)}” 不是年份",
                         expected="四位年份,如 2024", column=header)
            return None
        return int(match.group(1))

    # ---- the department ----------------------------------------------------------

    def department(self, entries: dict) -> dict:
        out: dict = {}
        for key in ("department", "title", "file"):
            if key in entries:
                sheet, cell = entries[key]
                text = self.cell_text(sheet, cell)
                if text:
                    out[key] = Sourced(text, self.at(sheet, cell))
        if "year" in entries:
            sheet, cell = entries["year"]
            year = self.year_value(sheet, cell, "年度")
            if year is not None and year != self.year:
                self.problem(self.at(sheet, cell), f"表中年度为 {year},与 --year {self.year} 不一致",
                             suggestion="核对年度;两者必须相同")
        if "unit" in entries:
            sheet, cell = entries["unit"]
            text = re.sub(r"[\s()()]", "", clean_text(cell.value))
            if text not in UNITS:
                self.problem(self.at(sheet, cell), f"金额单位 “{clean_text(cell.value)}” 无法识别", expected="万元 或 元")
            else:
                self.unit_declarations.append((text, self.at(sheet, cell)))
        if "department" not in out:
            self.problem(DEPARTMENTS_WHERE, "没有填写部门名称", expected="部门表中“部门”一行填写部门全称")
        return out

    def resolve_unit(self) -> None:
        declared = {unit for unit, _ in self.unit_declarations}
        if self.unit_option:
            declared.add(self.unit_option)
        if not declared:
            self.problem(DEPARTMENTS_WHERE, "没有声明金额单位(万元 或 元)",
                         suggestion="在部门表“金额单位”一行填写,或在命令中加 --unit 万元 / --unit 元;perfaudit 不猜测单位")
        elif len(declared) > 1:
            places = "、".join(f"{where} 为“{unit}”" for unit, where in self.unit_declarations)
            if self.unit_option:
                places += ("、" if places else "") + f"--unit 为“{self.unit_option}”"
            self.problem(DEPARTMENTS_WHERE, f"金额单位声明不一致: {places}", suggestion="统一为同一个单位")
        else:
            self.unit = declared.pop()

    # ---- the tables -----------------------------------------------------------------

    def cells_of(self, table: Table, row: dict) -> dict:
        """Column key -> Cell for one data row."""
        return {key: row[col] for key, col in table.columns.items() if col in row}

    def section(self, table: Table, r: int, cells: dict, keys) -> str:
        """The cells of this row that a block's values come from, as a range: 项目表!C5:G5."""
        refs = [cells[k].ref for k in sorted((k for k in keys if k in cells), key=lambda k: table.columns[k])
                if _row_of(cells[k].ref) == r]
        if not refs:
            return f"{table.sheet.name}!第{r}行"
        return f"{table.sheet.name}!{refs[0]}" + (f":{refs[-1]}" if len(refs) > 1 else "")

    def projects(self, table: Table) -> tuple[list, dict | None]:
        projects, totals = [], None
        for r, row in table.rows:
            cells = self.cells_of(table, row)
            name = self.cell_text(table.sheet, cells.get("name"))
            seq = self.cell_text(table.sheet, cells.get("seq"))
            data_keys = [k for k in cells if k != "seq"]
            if name in TOTAL_LABELS or (not name and seq in TOTAL_LABELS):
                totals = self.totals(table, r, cells)
                continue
            if not data_keys:
                continue  # a numbered but empty row of the form
            if not name:
                self.problem(f"{table.sheet.name}!{cells[data_keys[0]].ref}", f"第 {r} 行有数据但“项目名称”为空",
                             suggestion="填写项目名称,或删除这一行")
                continue
            projects.append(self.project(table, r, cells, name))
        return projects, totals

    def budget_values(self, table: Table, cells: dict, keys) -> dict:
        out = {}
        for key in keys:
            if key not in cells:
                continue
            header = _header_of(PROJECTS, key)
            value = self.rate(table.sheet, cells[key], header) if key == "rate" else \
                self.amount(table.sheet, cells[key], header)
            if value is not None:
                out[key] = value
        return out

    def totals(self, table: Table, r: int, cells: dict) -> dict:
        keys = ("initial", "full_year", "executed", "rate")
        values = self.budget_values(table, cells, keys)
        return {"section": self.section(table, r, cells, keys), **values}

    def project(self, table: Table, r: int, cells: dict, name: str) -> dict:
        sheet = table.sheet
        out: dict = {"name": Sourced(name, self.at(sheet, cells["name"]))}
        for key in ("aliases", "renamed_from"):
            if key in cells and (names := self.names(sheet, cells[key])):
                out[key] = names
        keys = ("initial", "full_year", "executed", "rate")
        budget = {"section": self.section(table, r, cells, keys + ("name",) if not any(k in cells for k in keys)
                                          else keys), **self.budget_values(table, cells, keys)}
        if "explanation" in cells and (text := self.cell_text(sheet, cells["explanation"])):
            budget["explanation"] = Sourced(text, self.at(sheet, cells["explanation"]))
            budget["explanation_section"] = f"{sheet.name}!{cells['explanation'].ref}"
        for key in ("budget_weight", "budget_score"):
            if key in cells and (d := self.number(sheet, cells[key], _header_of(PROJECTS, key))) is not None:
                budget[f"#{key}"] = Remark(f"{sheet.name}!{cells[key].ref} 预算执行{_header_of(PROJECTS, key)} "
                                           f"{format(d, 'f')}(事实文件不含此项,仅供核对)")
        out["budget"] = budget
        score: dict = {}
        if "total" in cells and (d := self.number(sheet, cells["total"], "总分")) is not None:
            score["total"] = Sourced(d, self.at(sheet, cells["total"]))
        if "grade" in cells and (text := self.cell_text(sheet, cells["grade"])):
            score["grade"] = Sourced(text, self.at(sheet, cells["grade"]))
        if score:
            out["score"] = {"section": self.section(table, r, cells, ("total", "grade")), **score}
        out["indicators"] = []
        if "departments_involved" in cells and (names := self.names(sheet, cells["departments_involved"])):
            out["departments_involved"] = names
            out["departments_section"] = f"{sheet.name}!{cells['departments_involved'].ref}"
        if "approvals" in cells and (text := self.cell_text(sheet, cells["approvals"])):
            out["approvals"] = self.approvals(sheet, cells["approvals"], text)
        return out

    def approvals(self, sheet: Sheet, cell: Cell, text: str) -> list:
        out = []
        for line in (x.strip() for x in re.split(r"[\n;;]+", text)):
            if not line:
                continue
            parts = [p.strip() for p in re.split(r"[/／]", line, maxsplit=3)]
            year = parts[2] if len(parts) > 2 else ""
            year = half_width(year).removesuffix("年度").removesuffix("年")
            if len(parts) < 3 or not parts[0] or not parts[1] or not re.fullmatch(r"[0-9]{4}", year):
                self.problem(self.at(sheet, cell), f"协同文件 “{line}” 无法识别",
                             expected="每行一份,写成 类型/对方部门/年度/文件名,如 协同备忘录/宣传部/2024/《××协同备忘录》",
                             column="协同文件")
                continue
            item = {"kind": Sourced(parts[0], self.at(sheet, cell)), "counterpart": parts[1], "year": int(year)}
            if len(parts) > 3 and parts[3]:
                item["document"] = parts[3]
            item["section"] = f"{sheet.name}!{cell.ref}"
            out.append(item)
        return out

    def indicators(self, table: Table, projects: list) -> None:
        by_name = {}
        for p in projects:
            by_name.setdefault(p["name"].value, p)
            for alias in p.get("aliases", Sourced([], "")).value:
                by_name.setdefault(alias, p)
        kinds = _indicator_kinds()
        carried: dict = {}
        last_project_ref = None
        for r, row in table.rows:
            cells = self.cells_of(table, row)
            project_cell = cells.get("project") or carried.get("project")
            if project_cell is not None and project_cell.ref != last_project_ref:
                carried = {"project": project_cell}  # a new project: levels are not carried across projects
                last_project_ref = project_cell.ref
            for key in ("level1", "level2"):
                if key in cells:
                    carried[key] = cells[key]
                    if key == "level1" and "level2" not in cells:
                        carried.pop("level2", None)
                elif key in carried:
                    cells[key] = carried[key]
            if "project" not in cells and project_cell is not None:
                cells["project"] = project_cell
            if "name" not in cells:
                own = sorted((k for k in cells if k not in ("project", "level1", "level2")), key=table.columns.get)
                if own:
                    self.problem(f"{table.sheet.name}!{cells[own[0]].ref}", f"第 {r} 行有数据但“三级指标”为空",
                                 suggestion="填写三级指标名称,或删除这一行")
                continue
            self.indicator(table, r, cells, by_name, kinds)

    def indicator(self, table: Table, r: int, cells: dict, by_name: dict, kinds: tuple) -> None:
        sheet = table.sheet
        name_cell = cells["name"]
        project_cell = cells.get("project")
        project_name = self.cell_text(sheet, project_cell) if project_cell else None
        if not project_name:
            self.problem(self.at(sheet, name_cell), f"指标“{clean_text(name_cell.value)}”没有所属项目",
                         suggestion="在“项目”一栏填写项目名称(可合并单元格)")
            return
        project = by_name.get(project_name)
        if project is None:
            self.problem(self.at(sheet, project_cell), f"项目“{project_name}”不在项目表中",
                         suggestion=did_you_mean(project_name, by_name) or "先在项目表中列出该项目", column="项目")
            return
        level1 = self.cell_text(sheet, cells.get("level1")) or ""
        level2 = self.cell_text(sheet, cells.get("level2")) or ""
        kind = f"{_strip_suffix(level1)}-{_strip_suffix(level2)}"
        if kind not in kinds:
            where = cells.get("level2") or cells.get("level1") or name_cell
            first = _strip_suffix(level1)
            seconds = [k.split("-", 1)[1] for k in kinds if k.startswith(first + "-")]
            hint = (did_you_mean(_strip_suffix(level2), seconds) or f"{first}指标下的二级指标为: {'、'.join(seconds)}"
                    if seconds else did_you_mean(first, {k.split("-", 1)[0] for k in kinds}))
            self.problem(self.at(sheet, where), f"指标类别“{level1 or '(空)'} / {level2 or '(空)'}”无法识别",
                         expected="一级/二级指标为: " + "、".join(k.replace("-", "/") for k in kinds),
                         suggestion=hint, column="二级指标")
            return
        item: dict = {"name": Sourced(self.cell_text(sheet, name_cell), self.at(sheet, name_cell)),
                      "kind": Sourced(kind, self.at(sheet, cells.get("level2") or cells["level1"])),
                      "section": self.section(table, r, cells, [c.key for c in TABLES[INDICATORS]])}
        for key in ("target", "actual"):
            if key in cells and (q := self.quantity(sheet, cells[key], _header_of(INDICATORS, key))) is not None:
                item[key] = q
        if "deviation_reason" in cells and (text := self.cell_text(sheet, cells["deviation_reason"])):
            item["deviation_reason"] = Sourced(text, self.at(sheet, cells["deviation_reason"]))
        if "includes_tasks_of" in cells and (names := self.names(sheet, cells["includes_tasks_of"])):
            item["includes_tasks_of"] = names
        for n, key in enumerate(("weight", "score")):
            if key in cells and (d := self.number(sheet, cells[key], _header_of(INDICATORS, key))) is not None:
                item[f"#{n}"] = Remark(f"{sheet.name}!{cells[key].ref} 指标{_header_of(INDICATORS, key)} "
                                       f"{format(d, 'f')}(事实文件不含此项,仅供核对)")
        project["indicators"].append(item)

    def prose(self, table: Table, kind: str) -> list:
        out = []
        for r, row in table.rows:
            cells = self.cells_of(table, row)
            if not cells:
                continue
            sheet = table.sheet
            ident = self.cell_text(sheet, cells.get("id"))
            if not ident:
                first = cells[min(cells, key=table.columns.get)]
                self.problem(f"{sheet.name}!{first.ref}", f"第 {r} 行有数据但“编号”为空", suggestion="填写编号,如 c01")
                continue
            location = self.cell_text(sheet, cells.get("section"))
            cited = self.section(table, r, cells, list(cells))
            item: dict = {"id": Sourced(ident, self.at(sheet, cells["id"])),
                          "section": f"{location}({cited})" if location else cited}
            columns = TABLES[CLAIMS if kind == "claim" else COMMITMENTS]
            for column in columns:
                key = column.key
                if key in ("id", "section") or key.startswith("where_") or key not in cells:
                    continue
                value = self.prose_value(sheet, cells[key], column)
                if value is not None:
                    item[key] = value
            if kind == "claim" and any(k.startswith("where_") for k in cells):
                where = {}
                for key in ("where_field", "where_op", "where_value"):
                    column = next(c for c in columns if c.key == key)
                    if key not in cells:
                        self.problem(f"{sheet.name}!{cells['id'].ref}", f"条件不完整: 缺少“{column.header}”",
                                     column=column.header)
                        continue
                    value = self.prose_value(sheet, cells[key], column)
                    if value is not None:
                        where[key[6:]] = value
                if len(where) == 3:
                    item["where"] = where
            out.append(item)
        return out

    def prose_value(self, sheet: Sheet, cell: Cell, column: Column):
        where = self.at(sheet, cell)
        if column.kind == "list":
            return self.names(sheet, cell)
        if column.kind == "year":
            year = self.year_value(sheet, cell, column.header)
            return None if year is None else Sourced(year, where)
        if column.kind == "number":
            d = self.number(sheet, cell, column.header)
            return None if d is None else Sourced(d, where)
        if column.kind == "claim_value":
            text = half_width(clean_text(cell.value)).replace(" ", "") if isinstance(cell.value, str) else ""
            if text.endswith("%") or (isinstance(cell.value, (int, float)) and format_decimals(cell.fmt)[1]):
                return self.rate(sheet, cell, column.header)
            d = self.number(sheet, cell, column.header)
            return None if d is None else Sourced(d, where)
        text = self.cell_text(sheet, cell)
        if column.key == "where_op" and text:
            text = normalise_ops(half_width(text)).replace("≤", "<=").replace("≥", ">=")
            text = "==" if text == "=" else text
        return Sourced(text, where) if text else None


DEPARTMENTS_WHERE = "部门表"


def _row_of(ref: str) -> int:
    return int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _header_of(table: str, key: str) -> str:
    return next(c.header for c in TABLES[table] if c.key == key)


def _strip_suffix(text: str) -> str:
    return text.removesuffix("指标") if text not in ("指标",) else text


def _indicator_kinds() -> tuple:
    from ..validate import schema

    return tuple(schema("facts")["$defs"]["indicator"]["properties"]["kind"]["enum"])


def read_sheets(path: Path, display: str) -> tuple[list[Sheet], list[str]]:
    suffix = path.suffix.lower()
    where = display
    if not path.is_file():
        raise InputError([Diagnostic(where, 0, 0, "", "文件不存在")])
    if suffix == ".csv":
        sheets, note = read_csv(path)
        return sheets, [note] if note else []
    if suffix in (".xlsx", ".xlsm"):
        try:
            return read_xlsx(path), []
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError([Diagnostic(where, 0, 0, "", f"无法读取 xlsx 文件({type(exc).__name__})",
                                         suggestion="确认文件未损坏、不是加密文件,并在 Excel 中另存为 .xlsx")]) from None
    hint = "请在 Excel 中“另存为” .xlsx(Excel 工作簿)后再导入" if suffix in (".xls", ".et", ".wps") else ""
    raise InputError([Diagnostic(where, 0, 0, "", f"不支持的文件类型 “{suffix or '(无扩展名)'}”",
                                 expected=".xlsx 或 .csv", suggestion=hint)])


def import_workbook(path: Path, year: int, unit: str | None = None, display: str | None = None) -> ImportResult:
    """Read a filled-in workbook and return the facts YAML text; raises InputError listing every problem."""
    display = display or path.name
    sheets, notices = read_sheets(path, display)
    imp = _Importer(display, year, unit)
    imp.notices.extend(notices)
    entries, tables = imp.scan(sheets)
    department = imp.department(entries)
    imp.resolve_unit()
    if PROJECTS not in tables:
        imp.problem(display, "没有找到项目表", expected="表头含“项目名称”和“全年预算数/全年执行数”的一行",
                    suggestion="用 perfaudit template xlsx 生成模板,按模板填写")
    imp.collector.raise_if_any()  # without the unit and the project table nothing below can be read
    projects, totals = imp.projects(tables[PROJECTS])
    if not projects and not imp.collector.diagnostics:
        imp.problem(f"{tables[PROJECTS].sheet.name}", "项目表中没有任何项目")
    if INDICATORS in tables:
        imp.indicators(tables[INDICATORS], projects)
    claims = imp.prose(tables[CLAIMS], "claim") if CLAIMS in tables else []
    commitments = imp.prose(tables[COMMITMENTS], "commitment") if COMMITMENTS in tables else []
    imp.collector.raise_if_any()
    name = department["department"].value
    title = department.get("title")
    if title is None:
        title = f"{name}{year}年度绩效自评表"
        imp.notices.append(f"部门表没有填写报告标题,使用“{title}”")
    data: dict = {"department": department["department"], "year": year, "unit": "万元",
                  "document": {"title": title, "file": department["file"] if "file" in department else path.name,
                               "note": f"由 perfaudit import 从 {path.name} 导入"}}
    if totals:
        data["totals"] = totals
    for p in projects:
        if not p["indicators"]:
            del p["indicators"]
    data["projects"] = projects
    if claims:
        data["claims"] = claims
    if commitments:
        data["commitments"] = commitments
    unit_note = "万元" if imp.unit == "万元" else "元,已精确换算为万元"
    header = (f"{name} {year} 年度 事实文件,由 perfaudit import 从 {path.name} 生成(表中金额单位: {unit_note})。",
              "请对照原表核对后再用于核查。section 是数据所在的工作表!单元格,每个数值行末的注释是它的单元格。")
    text, refs = write_yaml(data, header)
    check_generated(text, refs, display, year, name)
    return ImportResult(text, name, year, imp.notices)


def check_generated(text: str, refs: dict, display: str, year: int, department: str) -> None:
    """Load the generated text with the normal facts loader; report its problems at the cells."""
    from ..facts import load_facts

    with tempfile.TemporaryDirectory(prefix="perfaudit-import-") as tmp:
        target = Path(tmp) / str(year) / "imported.yaml"
        target.parent.mkdir()
        target.write_text(text, encoding="utf-8")
        try:
            load_facts([target])
        except InputError as error:
            mapped = []
            for d in error.diagnostics:
                ref = refs.get(d.line)
                where = f"{display} {ref}" if ref else display
                message = d.message if ref else f"(生成的事实文件第 {d.line} 行) {d.message}"
                mapped.append(Diagnostic(where, 0, 0, d.path, message, d.expected, d.suggestion))
            raise InputError(mapped) from None

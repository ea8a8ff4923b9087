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
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import Diagnostic, InputError, did_you_mean
from ..output import refuse
from .lists import schema_enum
from .reader import (Cell, Sheet, clean_text, format_decimals, half_width, normalise_ops, read_csv, read_xlsx,
                     ref)
from .tables import Table, TableScanner
from .template import CLAIMS, COMMITMENTS, INDICATORS, PROJECTS, TABLES, TOTAL_LABELS, UNITS, Column
from .yamlwrite import Sourced, write_yaml


@dataclass
class ImportResult:
    text: str
    department: str
    notices: list


class _Importer(TableScanner):
    def __init__(self, display: str, year: int, unit_option: str | None):
        super().__init__(display)
        self.year = year
        self.unit_option = unit_option

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
        declared = self.unit_declarations + ([(self.unit_option, "--unit")] if self.unit_option else [])
        units = {unit for unit, _ in declared}
        if not units:
            self.problem(DEPARTMENTS_WHERE, "没有声明金额单位(万元 或 元)",
                         suggestion="在部门表“金额单位”一行填写,或在命令中加 --unit 万元 / --unit 元;perfaudit 不猜测单位")
        elif len(units) > 1:
            places = "、".join(f"{where} 为“{unit}”" for unit, where in declared)
            self.problem(DEPARTMENTS_WHERE, f"金额单位声明不一致: {places}", suggestion="统一为同一个单位")
        else:
            self.unit = units.pop()

    # ---- the tables -----------------------------------------------------------------

    def cells_of(self, table: Table, row: dict, r: int) -> dict:
        """Column key -> Cell for one data row. A number covered by a merged cell that starts elsewhere (C4:E5
        merged: D4, C5, …) is not this position's value: reported, and left out, instead of copied into every
        project and column the merge covers."""
        cells = {}
        for key, col in table.columns.items():
            cell = row.get(col)
            column = COLUMNS[table.name][key]
            if cell is not None and cell.ref != ref(r, col) and column.kind in _NUMERIC and clean_text(cell.value):
                self.problem(f"{table.sheet.name}!{ref(r, col)}", f"{column.header} 所在的格与 {cell.ref} 合并,"
                             "无法确定这一格的值", column=column.header, suggestion="取消合并,每格分别填写数值")
            elif cell is not None:
                cells[key] = cell
        return cells

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
            cells = self.cells_of(table, row, r)
            name = self.cell_text(table.sheet, cells.get("name"))
            seq = self.cell_text(table.sheet, cells.get("seq"))
            data_keys = [k for k in cells if k != "seq"]
            if _total_label(name) or (not name and _total_label(seq)):
                totals = {"section": self.section(table, r, cells, BUDGET_KEYS),
                          **self.values(table, cells, BUDGET_KEYS)}
                continue
            if not data_keys:
                continue  # a numbered but empty row of the form
            if not name:
                self.problem(f"{table.sheet.name}!{cells[data_keys[0]].ref}", f"第 {r} 行有数据但“项目名称”为空",
                             suggestion="填写项目名称,或删除这一行")
                continue
            projects.append(self.project(table, r, cells, name))
        return projects, totals

    def values(self, table: Table, cells: dict, keys) -> dict:
        """Key -> value for each of `keys` whose cell holds one, read as its column says, in the order given."""
        read = {key: self.value(table.sheet, cells[key], COLUMNS[table.name][key]) for key in keys if key in cells}
        return {key: value for key, value in read.items() if value is not None}

    def project(self, table: Table, r: int, cells: dict, name: str) -> dict:
        sheet = table.sheet
        out: dict = {"name": Sourced(name, self.at(sheet, cells["name"])),
                     **self.values(table, cells, ("aliases", "renamed_from"))}
        keys = BUDGET_KEYS if any(k in cells for k in BUDGET_KEYS) else BUDGET_KEYS + ("name",)
        budget = {"section": self.section(table, r, cells, keys),
                  **self.values(table, cells, BUDGET_KEYS + ("explanation",))}
        if "explanation" in budget:
            budget["explanation_section"] = f"{sheet.name}!{cells['explanation'].ref}"
        for key, value in self.values(table, cells, ("budget_weight", "budget_score")).items():
            budget[key.removeprefix("budget_")] = value  # the budget block's 分值 and 得分
        out["budget"] = budget
        out.update(self.values(table, cells, ("implementer",)))
        score = self.values(table, cells, ("total", "grade"))
        if score:
            out["score"] = {"section": self.section(table, r, cells, ("total", "grade")), **score}
        out["indicators"] = []
        out.update(self.values(table, cells, ("departments_involved",)))
        if "departments_involved" in out:
            out["departments_section"] = f"{sheet.name}!{cells['departments_involved'].ref}"
        if "approvals" in cells and (text := self.cell_text(sheet, cells["approvals"])):
            out["approvals"] = self.approvals(sheet, cells["approvals"], text)
        elif "approvals" in table.columns and "departments_involved" in out:
            # the form asks for the documents beside the departments: left empty there, it answers "none"
            # (absent approvals in a facts file mean "not recorded", which no rule can judge)
            out["approvals"] = []
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
        by_name: dict = {}  # a project's name, then its aliases -> the project (the first project wins)
        for p in projects:
            for name in (p["name"].value, *p.get("aliases", Sourced([], "")).value):
                by_name.setdefault(name, p)
        kinds = schema_enum("indicator")
        carried: dict = {}
        for r, row in table.rows:
            cells = self.cells_of(table, row, r)
            previous = carried.get("project")
            project_cell = cells.get("project") or previous
            if project_cell is not None and (previous is None or project_cell.ref != previous.ref):
                carried = {"project": project_cell}  # a new project: levels are not carried across projects
            carry_levels(cells, set(cells), carried)
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
                      "section": self.section(table, r, cells, [c.key for c in TABLES[INDICATORS]]),
                      # level1 and level2 as printed (kind above is what rules use)
                      **self.values(table, cells, ("level1", "level2", "nature", "unit", "target", "actual",
                                                   "deviation_reason", "includes_tasks_of", "weight", "score"))}
        project["indicators"].append(item)

    def prose(self, table: Table) -> list:
        """The rows of 正文数据 (claims) or 整改承诺 (commitments)."""
        out = []
        for r, row in table.rows:
            cells = self.cells_of(table, row, r)
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
            keys = [c.key for c in TABLES[table.name] if c.key not in ("id", "section") and c.key not in WHERE_KEYS]
            item.update(self.values(table, cells, keys))
            if table.name == CLAIMS and any(k in WHERE_KEYS for k in cells):
                for key in (k for k in WHERE_KEYS if k not in cells):
                    header = COLUMNS[CLAIMS][key].header
                    self.problem(f"{sheet.name}!{cells['id'].ref}", f"条件不完整: 缺少“{header}”", column=header)
                where = self.values(table, cells, WHERE_KEYS)
                if len(where) == 3:
                    item["where"] = {key.removeprefix("where_"): value for key, value in where.items()}
            out.append(item)
        return out

    def value(self, sheet: Sheet, cell: Cell, column: Column):
        """One cell read as its column's kind says; None when blank or unreadable (the problem reported)."""
        kind, where = column.kind, self.at(sheet, cell)
        if cell.formula and kind != "year":  # without its saved result: reported by cell_text, and None
            return self.cell_text(sheet, cell)
        if kind == "claim_value":  # a percentage is read as a rate, anything else as a number
            text = half_width(clean_text(cell.value)).replace(" ", "") if isinstance(cell.value, str) else ""
            percent = text.endswith("%") or (isinstance(cell.value, (int, float)) and format_decimals(cell.fmt)[1])
            kind = "rate" if percent else "number"
        if kind == "list":
            return self.names(sheet, cell)
        if kind in ("amount", "rate", "quantity"):  # CellReader's reader of that name gives the Sourced value
            return getattr(self, kind)(sheet, cell, column.header)
        if kind in ("year", "number"):
            read = self.year_value if kind == "year" else self.number
            value = read(sheet, cell, column.header)
            return None if value is None else Sourced(value, where)
        text = self.cell_text(sheet, cell)
        if column.key == "where_op" and text:
            text = normalise_ops(half_width(text)).replace("≤", "<=").replace("≥", ">=")
            text = "==" if text == "=" else text
        return Sourced(text, where) if text else None


DEPARTMENTS_WHERE = "部门表"
_NUMERIC = ("amount", "number", "rate", "claim_value")  # kinds whose value belongs to one cell, never to a merge
BUDGET_KEYS = ("initial", "full_year", "executed", "rate")
WHERE_KEYS = ("where_field", "where_op", "where_value")  # a claim's condition: all three, or a problem
COLUMNS = {name: {c.key: c for c in columns} for name, columns in TABLES.items()}  # table -> key -> Column


def _total_label(text: str | None) -> bool:
    """合计 / 总计, also spaced out to the column's width as forms print it (“合  计”, “合　计”)."""
    return text is not None and re.sub(r"[\s\u3000]", "", text) in TOTAL_LABELS


def _row_of(ref: str) -> int:
    return int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def carry_levels(found: dict, filled: set, carried: dict) -> None:
    """An indicator row's blank 一级/二级指标 is the last one filled above it (or merged over both), within one
    一级指标: a row filling a new 一级 but no 二级 has none. found (key -> cell or value) and carried (the levels
    above) are updated; filled: the keys the row fills. Both importers read indicators this way."""
    for key in ("level1", "level2"):
        if key in filled:
            carried[key] = found[key]
            if key == "level1" and "level2" not in filled:
                carried.pop("level2", None)
        elif key in carried:
            found[key] = carried[key]


def _strip_suffix(text: str) -> str:
    return text.removesuffix("指标") if text not in ("指标",) else text


def read_sheets(path: Path, display: str) -> tuple[list[Sheet], list[str]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise refuse(display, "文件不存在", "检查路径拼写;相对路径从当前目录算起")
    if suffix == ".csv":
        try:
            sheets, note = read_csv(path, display)
        except UnicodeDecodeError:
            raise refuse(display, "CSV 文件的编码无法识别(不是 UTF-8、UTF-16 或 GB18030 文本)",
                         "确认它是 CSV 文本文件;在 Excel 中另存为“CSV UTF-8(逗号分隔)”后再导入") from None
        return sheets, [note] if note else []
    if suffix in (".xlsx", ".xlsm"):
        try:
            return read_xlsx(path, display), []
        except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError) as exc:
            raise refuse(display, f"无法读取 xlsx 文件({type(exc).__name__})",
                         "确认文件未损坏、不是加密文件,并在 Excel 中另存为 .xlsx") from None
    hint = "请在 Excel 中“另存为” .xlsx(Excel 工作簿)后再导入" if suffix in (".xls", ".et", ".wps") else ""
    raise InputError([Diagnostic(display, 0, 0, "", f"不支持的文件类型 “{suffix or '(无扩展名)'}”",
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
        imp.problem("", "没有找到项目表", expected="表头含“项目名称”和“全年预算数/全年执行数”的一行",
                    suggestion="用 perfaudit template xlsx 生成模板,按模板填写")
    imp.collector.raise_if_any()  # without the unit and the project table nothing below can be read
    projects, totals = imp.projects(tables[PROJECTS])
    if not projects and not imp.collector.diagnostics:
        imp.problem(f"{tables[PROJECTS].sheet.name}", "项目表中没有任何项目")
    if INDICATORS in tables:
        imp.indicators(tables[INDICATORS], projects)
    claims = imp.prose(tables[CLAIMS]) if CLAIMS in tables else []
    commitments = imp.prose(tables[COMMITMENTS]) if COMMITMENTS in tables else []
    imp.collector.raise_if_any()
    name = department["department"].value
    title = department.get("title")
    if title is None:
        title = f"{name}{year}年度绩效自评表"
        imp.notices.append(f"部门表没有填写报告标题,使用“{title}”")
    data: dict = {"department": department["department"], "year": year, "unit": "万元",
                  "document": {"title": title, "file": department.get("file", path.name),
                               "note": f"由 perfaudit import 从 {path.name} 导入"}}
    for p in projects:
        if not p["indicators"]:
            del p["indicators"]
    # projects is never empty here: an empty 项目表 was refused above
    data.update((key, value) for key, value in (("totals", totals), ("projects", projects), ("claims", claims),
                                                ("commitments", commitments)) if value)
    unit_note = "万元" if imp.unit == "万元" else "元,已精确换算为万元"
    header = (f"{name} {year} 年度 事实文件,由 perfaudit import 从 {path.name} 生成(表中金额单位: {unit_note})。",
              "请对照原表核对后再用于核查。section 是数据所在的工作表!单元格,每个数值行末的注释是它的单元格。")
    text, refs = write_yaml(data, header)
    check_generated(text, refs, display, year)
    return ImportResult(text, name, imp.notices)


def check_generated(text: str, refs: dict, display: str, year: int) -> None:
    """Load the generated text with the normal facts loader; report its problems at the cells."""
    from ...construct.facts import load_facts

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

"""Reading one spreadsheet cell the way people type it, reporting problems at sheet!cell.

Numbers keep the decimals the cell shows (a 0.00 format makes 20 into 20.00) without ever dropping
digits the value has; percentages must be percentages (a percent-formatted number or text with %);
amounts are read in the declared unit and converted to 万元 exactly; comparison signs and
full-width characters are normalised.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ...core.errors import Collector, Diagnostic
from .reader import (RATE, Cell, Sheet, clean_text, format_decimals, half_width, normalise_ops,
                     parse_number_text, shown_number, unspaced)
from .yamlwrite import Sourced

_QUANTITY = re.compile(r"^(≤|≥|<|>|=)?\s*[0-9]+(\.[0-9]+)?\s*\S*.*$")
_LIST_SPLIT = re.compile(r"[、,,;;\n]+")


class CellReader:
    def __init__(self, display: str):
        self.display = display
        self.collector = Collector()
        self.notices: list[str] = []
        self.unit = "万元"  # the declared unit of amounts, set before any amount is read
        self.unit_declarations: list = []  # (unit, where) from the department sheet and table headers

    # ---- reporting --------------------------------------------------------------

    def problem(self, where: str, message: str, expected: str = "", suggestion: str = "", column: str = "") -> None:
        self.collector.add(Diagnostic(f"{self.display} {where}".rstrip(), 0, 0, column, message, expected, suggestion))

    def at(self, sheet: Sheet, cell: Cell) -> str:
        return f"{sheet.name}!{cell.ref}"

    # ---- reading cells (a formula cell without its saved result never reaches number, rate or quantity:
    # the importer's value() reports it through cell_text first) ------------------------------------

    def cell_text(self, sheet: Sheet, cell: Cell | None) -> str | None:
        if cell is None:
            return None
        if cell.formula:
            self.problem(self.at(sheet, cell), "公式单元格没有保存计算结果",
                         suggestion="在 Excel 中打开后保存一次(保留计算结果),或改为直接填写数值")
            return None
        return clean_text(cell.value) or None

    def number(self, sheet: Sheet, cell: Cell, header: str) -> Decimal | None:
        """A plain number as shown (format decimals kept); text like “93.14分” or “1,703,500” accepted."""
        where = self.at(sheet, cell)
        value = cell.value
        if isinstance(value, bool):
            self.problem(where, f"{header} 应为数字,却是 {value}", column=header)
            return None
        if isinstance(value, (int, float)):
            d, percent = shown_number(value, cell.fmt)
            if percent:
                self.problem(where, f"{header} 单元格是百分比格式", expected="普通数字格式", column=header)
                return None
            if d is None:
                self.problem(where, f"{header} 不是有限数", column=header)
            return d
        text = unspaced(clean_text(value))
        d = parse_number_text(re.sub(r"(万元|元|分)$", "", text))
        if d is None:
            self.problem(where, f"{header} “{clean_text(value)}” 不是数字", expected="数字,如 170.35",
                         column=header)
        return d

    def amount(self, sheet: Sheet, cell: Cell, header: str) -> Sourced | None:
        text = unspaced(clean_text(cell.value)) if isinstance(cell.value, str) else ""
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
        value = cell.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not format_decimals(cell.fmt)[1]:
                self.problem(where, f"{header} 是普通数字 {clean_text(value)},无法确定是否为百分数",
                             expected="百分数,如 65.66%", column=header,
                             suggestion="把单元格设为百分比格式,或填写文字“65.66%”")
                return None
            return self.quantity(sheet, cell, header)  # a percentage-formatted number: as the sheet shows it
        text = unspaced(clean_text(value))
        match = RATE.match(text)
        if match:
            return Sourced(f"{match.group(1)}%", where)
        hint = "如果是百分数,请加上 %" if parse_number_text(text) is not None else ""
        self.problem(where, f"{header} “{clean_text(value)}” 不是百分数", expected="百分数,如 65.66%",
                     suggestion=hint, column=header)
        return None

    def quantity(self, sheet: Sheet, cell: Cell, header: str) -> Sourced | None:
        where = self.at(sheet, cell)
        value = cell.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            d, percent = shown_number(value, cell.fmt)
            if d is None:
                self.problem(where, f"{header} 不是有限数", column=header)
                return None
            return Sourced(format(d, "f") + ("%" if percent else ""), where)
        raw = clean_text(value)
        text = normalise_ops(half_width(raw))
        text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", text).strip()
        if _QUANTITY.match(text):
            return Sourced(text, where, f"原表 “{raw}”" if text != raw else "")
        if not raw:
            return None
        # a qualitative value (及时, 按时完成): kept as printed; rules that compare numbers see no value
        self.notices.append(f"{where} {header} “{raw}” 是文字型指标值,照录为文字,核查时不参与数值比较")
        return Sourced(raw, where)

    def names(self, sheet: Sheet, cell: Cell) -> Sourced | None:
        text = self.cell_text(sheet, cell)
        if not text:
            return None
        items = [clean_text(x) for x in _LIST_SPLIT.split(text)]
        return Sourced([x for x in items if x], self.at(sheet, cell))

    def year_value(self, sheet: Sheet, cell: Cell, header: str) -> int | None:
        text = unspaced(clean_text(cell.value))
        match = re.fullmatch(r"([0-9]{4})(年|年度)?", text)
        if not match or not 1990 <= int(match.group(1)) <= 2100:
            self.problem(self.at(sheet, cell), f"{header} “{clean_text(cell.value)}” 不是年份",
                         expected="四位年份,如 2024", column=header)
            return None
        return int(match.group(1))

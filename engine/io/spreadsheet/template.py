"""The self-evaluation workbook layout (项目支出绩效自评表), shared by the blank template, the
exporter and the importer, and the writers that produce it as xlsx or as one stacked csv.

Sheets: 部门表 (key-value rows), 项目表 (one row per project, plus an optional 合计 row),
指标表 (one row per indicator, 项目/一级/二级 may be merged over rows), and two optional sheets
a transcriber can fill from the report's prose: 正文数据 (numbers stated in the text) and 整改承诺.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from .cellguard import csv_safe, set_xlsx_text
from .workbook import new_workbook

DEPARTMENT, PROJECTS, INDICATORS, CLAIMS, COMMITMENTS, GUIDE = "部门表", "项目表", "指标表", "正文数据", "整改承诺", "填表说明"
TOTAL_LABELS = ("合计", "总计")
UNITS = ("万元", "元")


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    width: int
    kind: str = "text"  # text / amount / rate / number / year / list / quantity / approvals
    group: str = ""  # two-level header: the merged group above (项目表 only)
    aliases: tuple = ()  # other headers people use for the same column


DEPARTMENT_FIELDS = (  # label, key, note shown next to the value
    ("部门", "department", "部门全称,如 ××区城市管理局"),
    ("年度", "year", "自评年度,如 2024"),
    ("报告标题", "title", "自评报告标题"),
    ("金额单位", "unit", "万元 或 元;金额一律按此单位读取,导入时换算为万元"),
    ("报告文件", "file", "可选:自评报告原文文件名"),
)

PROJECT_COLUMNS = (
    Column("序号", "seq", 6),
    Column("项目名称", "name", 22),
    Column("年初预算数", "initial", 12, "amount", "项目资金", ("年初预算",)),
    Column("全年预算数", "full_year", 12, "amount", "项目资金", ("全年预算", "调整后预算数")),
    Column("全年执行数", "executed", 12, "amount", "项目资金", ("全年执行", "实际执行数")),
    Column("分值", "budget_weight", 7, "number", "项目资金"),
    Column("执行率", "rate", 10, "rate", "项目资金", ("预算执行率",)),
    Column("得分", "budget_score", 7, "number", "项目资金"),
    Column("总分", "total", 8, "number", "自评结果", ("自评总分", "自评得分")),
    Column("等级", "grade", 8, "text", "自评结果", ("自评等级", "评价等级")),
    Column("执行偏差原因", "explanation", 30, "text", "", ("执行率偏低原因", "未完成原因")),
    Column("协同部门", "departments_involved", 14, "list"),
    Column("协同文件", "approvals", 34, "approvals"),
    Column("别名", "aliases", 24, "list", "", ("曾用简称",)),
    Column("往年名称", "renamed_from", 18, "list"),
    Column("实施单位", "implementer", 20),
)

INDICATOR_COLUMNS = (
    Column("项目", "project", 18, "text", "", ("项目名称",)),
    Column("一级指标", "level1", 10),
    Column("二级指标", "level2", 14),
    Column("三级指标", "name", 22),
    Column("年度指标值", "target", 14, "quantity", "", ("指标值", "年度目标值")),
    Column("实际完成值", "actual", 14, "quantity", "", ("实际值", "全年实际值")),
    Column("分值", "weight", 7, "number"),
    Column("得分", "score", 7, "number"),
    Column("偏差原因", "deviation_reason", 34, "text", "", ("偏差原因分析及改进措施", "偏差原因分析")),
    Column("包含其他部门任务", "includes_tasks_of", 16, "list"),
    Column("指标性质", "nature", 8),
    Column("度量单位", "unit", 8, "text", "", ("计量单位",)),
)

CLAIM_COLUMNS = (
    Column("编号", "id", 7),
    Column("报告位置", "section", 16),
    Column("原文", "text", 40),
    Column("口径", "measure", 10),
    Column("数值", "value", 10, "claim_value"),
    Column("单位", "unit", 6),
    Column("项目", "project", 14),
    Column("主题", "topic", 18),
    Column("范围", "scope", 6),
    Column("列举项目", "members", 24, "list"),
    Column("条件字段", "where_field", 10),
    Column("条件比较", "where_op", 8),
    Column("条件数值", "where_value", 8, "number"),
    Column("互补编号", "complements", 8),
)

COMMITMENT_COLUMNS = (
    Column("编号", "id", 7),
    Column("报告位置", "section", 16),
    Column("承诺内容", "text", 44),
    Column("承诺类型", "kind", 12),
    Column("项目", "project", 14),
    Column("完成年度", "due_year", 9, "year"),
    Column("对方部门", "counterpart", 12),
    Column("增加预算的项目", "budget_increase", 20, "list"),
    Column("压缩预算的项目", "budget_decrease", 20, "list"),
)

TABLES = {PROJECTS: PROJECT_COLUMNS, INDICATORS: INDICATOR_COLUMNS, CLAIMS: CLAIM_COLUMNS,
          COMMITMENTS: COMMITMENT_COLUMNS}
TITLES = {PROJECTS: "项目支出绩效自评表 — 项目", INDICATORS: "项目支出绩效自评表 — 绩效指标",
          CLAIMS: "报告正文中的数字说法(可选,由转录人员填写)", COMMITMENTS: "整改承诺(可选,由转录人员填写)"}
BLANK_ROWS = {PROJECTS: 20, INDICATORS: 60, CLAIMS: 30, COMMITMENTS: 15}
_BLANK_FORMATS = {"amount": "0.00", "number": "0.00", "rate": "0.00%"}  # the number format of a blank entry row

GUIDE_LINES = (
    "本工作簿是预算绩效自评表的标准格式,填好后用 perfaudit import 导入为事实文件(YAML),供核查。",
    "一、“部门表”写部门、年度、报告标题和金额单位。金额单位只能是“万元”或“元”,所有金额按这里声明的单位读取,不做猜测。",
    "二、“项目表”每个项目一行;表中合计行在“项目名称”一栏写“合计”。执行率写成百分数(如 65.66%),可以是百分比格式的数字,也可以是文字。",
    "    协同部门、别名等多个名称用顿号(、)分隔;协同文件每行一份,写成“类型/对方部门/年度/文件名”,如 协同备忘录/宣传部/2024/《××协同备忘录》。",
    "三、“指标表”每个三级指标一行;同一项目、同一一级或二级指标可以合并单元格,也可以只在第一行填写,下面留空。",
    "    一级指标写 产出/效益/满意度(可带“指标”二字),二级指标写 数量、质量、时效、成本、经济效益、社会效益、生态效益、可持续影响、服务对象满意度。",
    "    年度指标值和实际完成值照表填写,如 ≤200万元、≥95%、100%;全角数字、≧、≦、％ 等写法都可以识别。",
    "四、“正文数据”“整改承诺”两张表可选,供转录人员摘录报告正文中的数字说法和整改承诺;不需要时可留空。",
    "    分值、得分照表填写(预算执行一栏的分值、得分写在项目表,各指标的写在指标表);云南等地表中的“指标性质”“度量单位”列照抄。",
    "五、数字按报告原样填写,保留原有小数位(如 20.00);不要加千分位以外的符号。公式单元格须在 Excel 中保存过(保留计算结果)。",
    "六、导入时发现的问题会指出工作表、单元格和原因,且不会写出任何文件;改正后重新导入即可。",
)


def number_format(value, kind: str) -> str:
    """The number format that prints a Decimal with exactly its own decimals (20.00 stays 20.00)."""
    shown = value.scaleb(2) if kind == "rate" else value
    places = max(0, -shown.as_tuple().exponent)
    return "0" + ("." + "0" * places if places else "") + ("%" if kind == "rate" else "")


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {"border": Border(left=thin, right=thin, top=thin, bottom=thin),
            "head": PatternFill("solid", fgColor="DCE3EC"), "bold": Font(bold=True),
            "title": Font(bold=True, size=14), "center": Alignment(horizontal="center", vertical="center",
                                                                   wrap_text=True),
            "wrap": Alignment(vertical="top", wrap_text=True)}


def _put(cell, value, kind, styles) -> None:
    if isinstance(value, Decimal) and kind in ("amount", "rate", "number", "claim_value"):
        cell.value = value
        cell.number_format = number_format(value, "rate" if kind == "rate" else "amount")
    elif value is not None:
        set_xlsx_text(cell, value)
    cell.border = styles["border"]
    cell.alignment = styles["wrap"]


def _table_sheet(ws, name: str, rows: list, merges: list, styles) -> None:
    from openpyxl.utils import get_column_letter

    columns = TABLES[name]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"] = TITLES[name]
    ws["A1"].font = styles["title"]
    ws["A1"].alignment = styles["center"]
    header_row = 3 if any(c.group for c in columns) else 2  # two-level: groups merged across, the rest merged down
    groups: dict = {}
    for i, c in enumerate(columns, start=1):
        if c.group:
            groups.setdefault(c.group, []).append(i)
        elif header_row == 3:
            ws.merge_cells(start_row=2, start_column=i, end_row=3, end_column=i)
        ws.cell(row=3 if c.group else 2, column=i, value=c.header)
        ws.column_dimensions[get_column_letter(i)].width = c.width
    for group, cols in groups.items():
        ws.merge_cells(start_row=2, start_column=cols[0], end_row=2, end_column=cols[-1])
        ws.cell(row=2, column=cols[0], value=group)
    for r in range(2, header_row + 1):
        for i in range(1, len(columns) + 1):
            cell = ws.cell(row=r, column=i)
            cell.font, cell.fill, cell.alignment, cell.border = (styles["bold"], styles["head"], styles["center"],
                                                                 styles["border"])
    first = header_row + 1
    for n in range(len(rows) or BLANK_ROWS[name]):  # no rows: the blank template's formatted empty rows
        values = rows[n] if rows else {}
        for i, c in enumerate(columns, start=1):
            cell = ws.cell(row=first + n, column=i)
            _put(cell, values.get(c.key), c.kind, styles)
            if not rows and c.kind in _BLANK_FORMATS:
                cell.number_format = _BLANK_FORMATS[c.kind]
    for key, start, end in merges:  # merged ranges over data rows, by column key and row offsets
        i = [c.key for c in columns].index(key) + 1
        ws.merge_cells(start_row=first + start, start_column=i, end_row=first + end, end_column=i)
    ws.freeze_panes = ws.cell(row=first, column=3 if name == PROJECTS else 1)


def _department_sheet(ws, values: dict, styles) -> None:
    ws.merge_cells("A1:C1")
    ws["A1"] = "部门信息"
    ws["A1"].font = styles["title"]
    for r, (label, key, note) in enumerate(DEPARTMENT_FIELDS, start=2):
        head = ws.cell(row=r, column=1, value=label)
        head.font, head.fill, head.border = styles["bold"], styles["head"], styles["border"]
        _put(ws.cell(row=r, column=2), values.get(key), "text", styles)
        ws.cell(row=r, column=3, value=note).alignment = styles["wrap"]
    for letter, width in zip("ABC", (12, 40, 50)):
        ws.column_dimensions[letter].width = width


def build_workbook(department: dict | None = None, tables: dict | None = None, merges: dict | None = None):
    """The workbook in the standard layout; blank (with formatted empty rows) when no content is given.

    department: key -> value (DEPARTMENT_FIELDS keys); tables: sheet name -> list of row dicts keyed by
    Column.key, values already typed (Decimal amounts, Decimal rate fractions, str); merges: sheet name ->
    [(column key, first row offset, last row offset)].
    """
    styles = _styles()
    tables = tables or {}
    workbook = new_workbook()
    ws = workbook.active
    ws.title = DEPARTMENT
    _department_sheet(ws, department or {}, styles)
    for name in (PROJECTS, INDICATORS, CLAIMS, COMMITMENTS):
        _table_sheet(workbook.create_sheet(name), name, tables.get(name, []), (merges or {}).get(name, []), styles)
    guide = workbook.create_sheet(GUIDE)
    guide.column_dimensions["A"].width = 120
    for r, line in enumerate(GUIDE_LINES, start=1):
        guide.cell(row=r, column=1, value=line).alignment = styles["wrap"]
    return workbook


def csv_text(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.scaleb(2), "f") + "%" if kind == "rate" else format(value, "f")
    return csv_safe(str(value))


def template_csv(department: dict | None = None, tables: dict | None = None) -> str:
    """All sheets stacked in one csv (UTF-8 with BOM): 部门表 rows first, then each table with its header row."""
    department, tables = department or {}, tables or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for label, key, _note in DEPARTMENT_FIELDS:
        writer.writerow([label, csv_text(department.get(key), "text")])
    for name in (PROJECTS, INDICATORS, CLAIMS, COMMITMENTS):
        columns = TABLES[name]
        writer.writerow([])
        writer.writerow([TITLES[name]])
        writer.writerow([c.header for c in columns])
        for row in tables.get(name, []):
            writer.writerow([csv_text(row.get(c.key), c.kind) for c in columns])
    return "\ufeff" + buffer.getvalue()

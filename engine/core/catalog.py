"""What a rule expression may refer to: record fields with their types and Chinese labels.

The static checker resolves every field path against this catalog, so a misspelt
field fails when the rules are checked, not silently at evaluation time.
"""
from __future__ import annotations

NUM, STR, BOOL, ANY = "num", "str", "bool", "any"
# The values a printed figure allows (expr/intervals.py); FIGURE accepts a number or an interval.
INTERVAL, FIGURE = "interval", "num|interval"


def list_of(item: str) -> str:
    return f"list[{item}]"


def item_type(list_type: str) -> str | None:
    return list_type[5:-1] if list_type.startswith("list[") and list_type.endswith("]") else None


RECORDS: dict[str, dict[str, tuple[str, str]]] = {
    "Report": {
        "department": (STR, "部门"),
        "department_printed": (BOOL, "报告印出了单位名称"),
        "year": (NUM, "年度"),
        "money_unit": (STR, "报告金额单位(印出的)"),
        "supervisor": (STR, "主管部门"),
        "form": (STR, "表式"),
        "scope": (STR, "评价范围(项目/部门整体)"),
        "partial": (STR, "转录中断说明"),
        "projects": (list_of("Project"), "项目"),
        "projects_partial": (BOOL, "项目列表不完整"),
        "totals": ("Totals", "合计"),
        "claims": (list_of("Claim"), "正文数据"),
        "claims_partial": (BOOL, "正文数据列表不完整"),
        "commitments": (list_of("Commitment"), "整改承诺"),
        "narrative": (list_of("Narrative"), "文字段落"),
    },
    "Totals": {
        "initial": (NUM, "年初预算合计(万元)"),
        "full_year": (NUM, "全年预算合计(万元)"),
        "executed": (NUM, "全年执行合计(万元)"),
        "rate": (NUM, "合计执行率"),
    },
    "Project": {
        "name": (STR, "项目"),
        "aliases": (list_of(STR), "曾用名"),
        "budget": ("Budget", "预算执行"),
        "score": ("Score", "自评得分"),
        "indicators": (list_of("Indicator"), "绩效指标"),
        "departments_involved": (list_of(STR), "协同部门"),
        "approvals": (list_of("Approval"), "协同审批/备忘录"),
        "renamed_from": (list_of(STR), "原项目名称(更名前)"),
        "previous": ("Project", "上年同一项目"),
        "supervisor": (STR, "主管部门"),
        "implementer": (STR, "实施单位"),
        "goals": ("Goals", "年度总体目标"),
        "indicators_partial": (BOOL, "指标列表不完整"),
        "narrative": (list_of("Narrative"), "文字段落"),
    },
    "Budget": {
        "initial": (NUM, "年初预算(万元)"),
        "full_year": (NUM, "全年预算(万元)"),
        "executed": (NUM, "全年执行(万元)"),
        "received": (NUM, "全年到位资金(万元)"),
        "rate": (NUM, "报告执行率"),
        "explanation": (STR, "执行偏差说明"),
        "weight": (NUM, "预算执行分值"),
        "score": (NUM, "预算执行得分"),
        "adjustment_reason": (STR, "预算调整原因"),
        "funding": (list_of("Funding"), "资金来源分项(其中)"),
        "funding_partial": (BOOL, "资金来源分项不完整"),
    },
    "Funding": {
        "source": (STR, "资金来源"),
        "initial": (NUM, "分项年初预算(万元)"),
        "full_year": (NUM, "分项全年预算(万元)"),
        "executed": (NUM, "分项全年执行(万元)"),
        "rate": (NUM, "分项执行率"),
        "weight": (NUM, "分项分值"),
        "score": (NUM, "分项得分"),
    },
    "Goals": {
        "expected": (STR, "预期目标"),
        "actual": (STR, "实际完成情况"),
    },
    "Narrative": {
        "section": (STR, "出处"),
        "heading": (STR, "标题"),
        "text": (STR, "原文"),
    },
    "Score": {
        "total": (NUM, "总分"),
        "grade": (STR, "报告等级"),
        "weight": (NUM, "总分分值"),
    },
    "Indicator": {
        "name": (STR, "指标"),
        "kind": (STR, "指标类别"),
        "category": (STR, "一级指标"),
        "target": ("Quantity", "年度指标值"),
        "actual": ("Quantity", "实际完成值"),
        "deviation_reason": (STR, "偏差原因"),
        "includes_tasks_of": (list_of(STR), "包含其他部门任务"),
        "level1": (STR, "一级指标(印出的)"),
        "level2": (STR, "二级指标(印出的)"),
        "nature": (STR, "指标性质"),
        "unit": (STR, "度量单位"),
        "weight": (NUM, "分值"),
        "score": (NUM, "得分"),
    },
    "Quantity": {
        "op": (STR, "比较符"),
        "value": (NUM, "数值(区间为上限)"),
        "low": (NUM, "区间下限"),
        "unit": (STR, "单位"),
        "text": (STR, "原文"),
        "kind": (STR, "值的类型(text 为文字值)"),
    },
    "Approval": {
        "kind": (STR, "文件类型"),
        "counterpart": (STR, "对方部门"),
        "year": (NUM, "年度"),
        "document": (STR, "文件名称"),
    },
    "Claim": {
        "id": (STR, "编号"),
        "order": (NUM, "序号"),
        "text": (STR, "原文"),
        "measure": (STR, "口径"),
        "value": (NUM, "所述数值"),
        "unit": (STR, "单位"),
        "project": (STR, "项目"),
        "topic": (STR, "主题"),
        "scope": (STR, "范围"),
        "members": (list_of(STR), "列举的项目"),
        "where": ("Filter", "条件"),
        "complements": (STR, "互补断言"),
    },
    "Filter": {
        "field": (STR, "字段"),
        "op": (STR, "比较符"),
        "value": (NUM, "数值"),
    },
    "Commitment": {
        "id": (STR, "编号"),
        "text": (STR, "原文"),
        "kind": (STR, "承诺类型"),
        "project": (STR, "项目"),
        "due_year": (NUM, "完成年度"),
        "counterpart": (STR, "对方部门"),
        "budget_increase": (list_of(STR), "承诺增加预算的项目"),
        "budget_decrease": (list_of(STR), "承诺压缩预算的项目"),
        "targets": (list_of("CommitmentTarget"), "承诺所涉项目"),
    },
    "CommitmentTarget": {
        "name": (STR, "承诺所列项目"),
        "direction": (STR, "承诺的预算调整方向"),
        "project": ("Project", "承诺年度的该项目"),
        "followup_project": ("Project", "跟踪年度的该项目"),
    },
}

# the records of table cells say which cells could not be read, and why (those fields stay absent)
for _record in ("Totals", "Budget", "Funding", "Score", "Goals", "Indicator"):
    RECORDS[_record]["unreadable"] = (STR, "无法辨认的栏目及原因")

# Names visible in a rule, by subject.
SUBJECT_SCOPES: dict[str, dict[str, str]] = {
    "report": {"report": "Report"},
    "project": {"project": "Project", "report": "Report"},
    "indicator": {"indicator": "Indicator", "project": "Project", "report": "Report"},
    "claim": {"claim": "Claim", "report": "Report"},
    # a commitment made in `report`, checked against `followup`, the same department's report for the year it is due
    "commitment": {"commitment": "Commitment", "target": "CommitmentTarget", "report": "Report", "followup": "Report"},
}

# how the labels above mark an amount: the engine holds amounts in 万元, whatever unit a report printed
AMOUNT_MARK = "(万元)"

SUBJECT_LABELS = {"report": "报告", "project": "项目", "indicator": "指标", "claim": "正文数据", "commitment": "整改承诺"}

# bands and decision tables are typed by their results (table[num], table[str]) in engine/construct/rules.py
PARAMETER_TYPES = {"number": NUM, "ratio": NUM, "map": "map", "list": list_of(STR)}


# records that are the value of one field: their fields' labels (原文, 数值, 比较符) name it too, or a finding citing an
# indicator's target and actual would cite two facts called 数值(区间为上限)
_VALUE_RECORDS = frozenset(("Quantity", "Filter"))


def label_of(root_type: str, parts: tuple[str, ...]) -> str:
    """Chinese label for a field path, for explanations: project.budget.executed -> 全年执行(万元),
    indicator.target.value -> 年度指标值的数值(区间为上限)."""
    current = root_type
    label = owner = ""
    for part in parts:
        fields = RECORDS.get(current)
        if not fields or part not in fields:
            return ".".join(parts)
        owner = label if current in _VALUE_RECORDS else ""
        current, label = fields[part]
    return f"{owner}的{label}" if owner else label

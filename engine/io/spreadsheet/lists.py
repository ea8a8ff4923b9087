"""Drop-down lists in the xlsx template, so a department picks 金额单位, 等级, indicator categories and
commitment types from the values perfaudit reads rather than typing variants that the import refuses.

The lists come from what decides them: the grade words from the rules' grade_vocabulary parameter (so
they follow the auditor's rules), the indicator categories and commitment types from the facts schema,
the units from the importer's own list. Kept apart from template.py's layout on purpose.
"""
from __future__ import annotations

from .template import COMMITMENTS, DEPARTMENT, DEPARTMENT_FIELDS, INDICATORS, PROJECTS, TABLES, UNITS

GRADE_PARAMETER = "grade_vocabulary"
# Excel keeps an inline list formula to 255 characters; longer lists would make the file unreadable.
_INLINE_LIMIT = 255


def schema_enum(definition: str) -> tuple:
    """The allowed `kind` values of one object in the facts schema (indicator, commitment)."""
    from ...load.validate import schema

    return tuple(schema("facts")["$defs"][definition]["properties"]["kind"]["enum"])


def grade_words(ruleset) -> tuple:
    """Every grade word the rules accept, across all years, in the order the rules list them."""
    parameter = ruleset.parameters.get(GRADE_PARAMETER) if ruleset is not None else None
    entries = parameter.values if parameter is not None else ()
    return tuple(dict.fromkeys(str(key) for entry in entries if isinstance(entry.value, dict) for key in entry.value))


def template_lists(ruleset=None) -> dict:
    """(sheet, column key) -> (allowed values, strict). A strict list refuses other input (the importer would
    refuse it too); a non-strict one only warns, since a grade word outside the rules is worth reporting, not
    worth blocking the department's entry."""
    kinds = schema_enum("indicator")
    lists = {
        (DEPARTMENT, "unit"): (UNITS, True),
        (INDICATORS, "level1"): (tuple(dict.fromkeys(k.split("-", 1)[0] for k in kinds)), False),
        (INDICATORS, "level2"): (tuple(k.split("-", 1)[1] for k in kinds), False),
        (COMMITMENTS, "kind"): (schema_enum("commitment"), True),
    }
    grades = grade_words(ruleset)
    if grades:
        lists[(PROJECTS, "grade")] = (grades, False)
    return lists


def add_lists(workbook, lists: dict) -> None:
    """Attach each list to its column's entry cells (the blank rows under the header, or the 部门表 value)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for (sheet, key), (values, strict) in sorted(lists.items()):
        formula = '"' + ",".join(values) + '"'  # an inline list: its values hold no comma or quote
        if len(formula) > _INLINE_LIMIT or any("," in v or '"' in v for v in values):
            continue
        ws = workbook[sheet]
        if sheet == DEPARTMENT:
            row = 2 + [k for _label, k, _note in DEPARTMENT_FIELDS].index(key)
            ranges = f"B{row}"
        else:
            columns = TABLES[sheet]
            letter = get_column_letter([c.key for c in columns].index(key) + 1)
            first = 4 if any(c.group for c in columns) else 3
            ranges = f"{letter}{first}:{letter}{max(ws.max_row, first)}"
        ws.add_data_validation(DataValidation(type="list", formula1=formula, allow_blank=True, sqref=ranges,
                                              errorStyle="stop" if strict else "warning", showErrorMessage=True,
                                              errorTitle="不在可选范围内",
                                              error="请从下拉列表中选择:" + "、".join(values),
                                              promptTitle="可选值", prompt="、".join(values), showInputMessage=False))

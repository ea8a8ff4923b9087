"""A 度量单位 column printed blank is a fact of its own (unit: null), told apart from a form without that column
(no unit key) and from a printed unit, and it cites the cell; rules read it with printed_blank()."""
from __future__ import annotations

import pytest

from engine import load_facts
from engine.core.errors import InputError

FORM = """department: 某县自然资源局
year: 2020
unit: 万元
document:
  title: 某县自然资源局2020年度项目支出绩效自评表
projects:
  - name: 卫片执法
    section: 表
    budget: {{section: 表 资金行, full_year: 7.29}}
    indicators:
      - {{name: 验收合格率, section: 表 第1行, level1: 产出指标, level2: 质量指标, target: "100", unit: {unit}, actual: "100"}}
"""


def indicator(tmp_path, unit: str):
    path = tmp_path / "2020" / "report.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FORM.format(unit=unit), encoding="utf-8")
    [report] = load_facts([path])
    return report.projects[0].indicators[0]


def test_a_blank_unit_cell_is_printed_blank_and_cites_its_line(tmp_path):
    found = indicator(tmp_path, "null")
    assert found.unit is None and "unit" in found.blank
    assert found.sources["unit"].line == 11


def test_a_printed_unit_is_kept_and_is_not_blank(tmp_path):
    found = indicator(tmp_path, '"%"')
    assert found.unit == "%" and "unit" not in found.blank


def test_an_empty_string_unit_is_still_refused(tmp_path):
    with pytest.raises(InputError) as refused:
        indicator(tmp_path, '""')
    assert [d.path for d in refused.value.diagnostics] == ["projects[0].indicators[0].unit"]

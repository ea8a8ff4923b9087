"""全年到位资金 (budget.received), where a form prints it: an amount like the others, converted exactly from 元 to
万元, citing its line, its printed text kept; a word in its cell is refused with the field's path."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine import load_facts
from engine.core.errors import InputError

REPORT = """department: 某县林业局
year: 2024
unit: 元
document:
  title: 某县林业局2024年度项目支出绩效自评表
projects:
  - name: 林业改革
    budget: {{section: 表 行次1, full_year: 528000, received: {received}, executed: 308000,
              printed: {{received: "300,000.00"}}}}
"""


def budget(tmp_path, received: str):
    path = tmp_path / "2024" / "a.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REPORT.format(received=received), encoding="utf-8")
    return load_facts([path])[0].projects[0].budget


def test_received_is_converted_exactly_and_cites_its_line(tmp_path):
    found = budget(tmp_path, "300000")
    assert found.received == Decimal("30") and found.executed == Decimal("30.8")
    assert found.sources["received"].line == 8 and found.printed["received"] == "300,000.00"


def test_a_word_in_the_received_cell_is_refused_at_its_path(tmp_path):
    with pytest.raises(InputError) as refused:
        budget(tmp_path, "到位")
    assert [d.path for d in refused.value.diagnostics] == ["projects[0].budget.received"]

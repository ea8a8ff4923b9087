"""Facts format v2 in the spreadsheet: 分值 and 得分 (budget block and indicators), 实施单位, 指标性质 and
度量单位 are data columns, and facts -> template --from -> import gives the same facts."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from engine import load_facts
from engine.cli import cli

V2_FACTS = """department: 某区体育中心
year: 2024
unit: 万元
document:
  title: 某区体育中心2024年度项目自评价
projects:
  - name: 场馆运营结算
    implementer: 某区体育事业管理中心
    budget:
      section: 表1
      initial: 25.00
      full_year: 25.00
      executed: 21.55
      weight: 10
      rate: "86.20%"
      score: 8.62
    score: {section: 表1 总分行, total: 98.62, grade: 优}
    indicators:
      - level1: 产出指标
        level2: 数量指标
        name: 结算完成率
        section: 表1 指标1
        nature: "≥"
        target: "=100%"
        actual: "100%"
        unit: "%"
        weight: 10
        score: 10
      - level1: 产出指标
        level2: 时效指标
        name: 结算及时性
        section: 表1 指标2
        target: 及时
        actual: 及时
        weight: 20
        score: 19.5
        deviation_reason: 个别月份延后
"""


def fields(report) -> list:
    out = []
    for p in report.projects:
        b = p.budget
        out.append((p.name, p.implementer, b.initial, b.full_year, b.executed, b.rate, b.weight, b.score,
                    p.score.total, p.score.grade))
        out.extend((i.name, i.kind, i.level1, i.level2, i.nature, i.unit, i.weight, i.score, i.target.text,
                    i.actual.text, i.target.kind, i.deviation_reason) for i in p.indicators)
    return out


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_v2_fields_survive_the_round_trip(runner, tmp_path, kind):
    source = tmp_path / "facts" / "2024" / "report.yaml"
    source.parent.mkdir(parents=True)
    source.write_text(V2_FACTS, encoding="utf-8")
    sheet = tmp_path / f"sheet.{kind}"
    out = runner.invoke(cli, ["template", kind, "--from", str(source), "-o", str(sheet)])
    assert out.exit_code == 0, out.output
    imported = tmp_path / "imported" / "2024" / "imported.yaml"
    out = runner.invoke(cli, ["import", str(sheet), "--year", "2024", "-o", str(imported)])
    assert out.exit_code == 0, out.output
    [original] = load_facts([source])
    [again] = load_facts([imported])
    assert fields(again) == fields(original)
    assert again.projects[0].budget.weight == 10 and again.projects[0].indicators[1].score == 19.5
    # 分值 and 得分 are data now, not comments
    text = imported.read_text(encoding="utf-8")
    assert "仅供核对" not in text and "weight: 10" in text


def test_template_has_the_v2_columns(runner, tmp_path):
    target = tmp_path / "t.xlsx"
    assert runner.invoke(cli, ["template", "xlsx", "-o", str(target)]).exit_code == 0
    book = load_workbook(target)
    assert "实施单位" in [c.value for c in book["项目表"][2]]
    assert {"指标性质", "度量单位", "分值", "得分"} <= {c.value for c in book["指标表"][2]}

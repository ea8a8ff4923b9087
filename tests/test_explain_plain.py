"""`explain` by default (issue 16 item 5): what decided each outcome, for people — the values compared in the
report's own formats, the margin, the facts with where they came from, the clause — no function-call syntax,
no 左边/右边, no raw fractions; the full tree with --detail (tests/test_explain.py)."""
from __future__ import annotations

import re

from engine.cli import cli

from .conftest import FACTS_2024, ROOT, RULES


EXAMPLES = ROOT / "examples" / "facts"
PUTUO = EXAMPLES / "2022" / "07-putuo-tiyu-zhongxin.yaml"  # a report printed in 元
JISHAN = EXAMPLES / "2021" / "03-jishan-zhaidian-weishengyuan.yaml"


def explain(runner, project, *extra, facts=FACTS_2024):
    result = runner.invoke(cli, ["explain", str(facts), "--rules", str(RULES), "-p", project,
                                 "--backend", "python", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_default_shows_what_decided_in_the_reports_formats(runner):
    out = explain(runner, "智慧城管")
    assert "判定: 执行率 65.66% < 预算执行率预警线 70% → 成立;余量: 执行率 比 预警线 低 4.34 个百分点" in out
    assert "数据: 全年执行(万元) 111.85(二(一) 表 第1行," in out and "杜集区城市管理局.yaml:27)" in out
    assert "参数: 预算执行率预警线 70%(2024 年起," in out and "rules/parameters.yaml:" in out
    assert "依据: 杜集区城市管理局2024年度部门绩效自评报告 四(二)2" in out
    assert "数据: 报告执行率 65.66%" in out  # a rate as the report prints it, not 0.6566
    assert "170.3500" not in out and "170.35 → 成立" in out


def test_default_has_no_programmers_notation(runner):
    out = explain(runner, "智慧城管")
    for notation in ("左边", "右边", "has(", "band(", "lookup(", "present(", "to_wan(", "unit(", "len(", "contradicts(",
                     "span("):
        assert notation not in out, notation
    assert not re.search(r"\d\.\d{5,}(?![\d%]| 个百分点)", out)  # no raw fractions (0.6566, 170.3500)


def test_default_is_short_and_points_to_detail(runner):
    plain, detail = explain(runner, "智慧城管"), explain(runner, "智慧城管", "--detail")
    assert len(plain.splitlines()) < 0.65 * len(detail.splitlines())
    assert "--detail" in plain and "判定条件(condition)" in detail and "判定条件(condition)" not in plain
    # the count grows with the rule set; it is the header's 不适用 count, listed in one line
    header = re.search(r"不适用 (\d+)", plain).group(1)
    assert f"不适用(适用条件不成立)的规则 {header} 项" in plain


def test_json_keeps_its_detail(runner):
    assert explain(runner, "智慧城管", "--format", "json") == explain(runner, "智慧城管", "--format", "json",
                                                                      "--detail")


def test_a_margin_between_amounts_printed_with_six_decimals_shows_two(runner, tmp_path):
    """Amounts transcribed as printed (52.800000, a 四川 form) differ by 22.000000: the margin is 22.00, as the
    amounts beside it are shown, not 22.0000."""
    text = (FACTS_2024 / "杜集区城市管理局.yaml").read_text(encoding="utf-8")
    text = text.replace("full_year: 170.35", "full_year: 170.350000", 1).replace("executed: 111.85", "executed: 111.850000", 1)
    assert "170.350000" in text and "111.850000" in text
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    out = explain(runner, "智慧城管", "--rule", "execution.over-budget", facts=tmp_path / "r.yaml")
    assert "低 58.50(" in out and "58.5000" not in out


def test_a_side_shown_rounded_in_the_evidence_is_named_by_it(runner):
    """scoring.partial-score-vs-proportional compares abs(得分 - 分值 × choose(...)) and shows round(分值 ×
    choose(...), 2) as 按比例计算: the plain line names that side, not its formula."""
    out = explain(runner, "普陀体育中心与委托运营方结算费用", facts=PUTUO)
    assert "判定: 得分 与 按比例计算 之差 " in out
    for notation in ("choose(", "coalesce("):
        assert notation not in out, notation


def test_a_report_printed_in_yuan_is_explained_in_yuan(runner):
    """The engine holds amounts in 万元; a report that printed 元 is explained as it printed: 215,457.6元, not
    21.5458 (a rounding of 21.54576 万元 that is nowhere in the report)."""
    args = ("普陀体育中心与委托运营方结算费用", "--rule", "execution.over-budget")
    plain = explain(runner, *args, facts=PUTUO)
    assert "判定: 全年执行 215,457.6元 > 全年预算 250,000.00元 → 不成立;差距: 全年执行 比 全年预算 低 34,542.40元(" \
        in plain
    assert "数据: 全年执行 215,457.6元(表1 年度资金总额行," in plain
    detail = explain(runner, *args, "--detail", facts=PUTUO)
    assert "数据: 全年执行 = 215,457.6元  " in detail
    for out in (plain, detail):
        assert "21.5458" not in out and "21.54576" not in out


def test_a_printed_figure_against_what_the_amounts_allow_reads_as_words(runner):
    out = explain(runner, "智慧城管")
    assert "判定: 报告执行率 65.66% 与 按金额计算 [65.65%, 65.66%] 不符 → 不成立" in out


def test_a_choice_of_comparisons_shows_the_one_taken_with_the_names_of_what_was_printed(runner):
    """choose(≤ 指标?, 实际 > 指标, 实际 < 指标) is 是/否 by itself: the plain line is the comparison taken, its sides
    named by the evidence that shows the quantities' printed text."""
    out = explain(runner, "普陀体育中心与委托运营方结算费用", "--rule", "scoring.full-marks-target-missed", facts=PUTUO)
    assert "判定: 实际完成值 100 < 年度指标值 100 → 不成立" in out
    assert "判定: 否 →" not in out and "判定: 100 < 100" not in out


def test_any_over_a_list_says_whether_an_item_qualified(runner):
    out = explain(runner, "智慧城管")
    assert "判定: 资金来源分项(其中) 中没有一项符合 → 不成立" in out
    assert "判定: 否 →" not in out and "判定: 是 →" not in out


def test_ratios_and_unit_lists_read_as_words(runner):
    """Example 03: a ratio of two quantities is named by what the report printed; a unit checked against the
    units an indicator's name calls for reads as such, not as 并非 否."""
    out = explain(runner, "国家基本公共卫生服务", facts=JISHAN)
    assert "判定: 实际完成值 / 年度指标值 57.5% < 100% → 成立" in out
    assert "判定: 并非 单位 “人” 在 应使用单位 “%、‰” 之列 → 成立" in out
    assert "并非 否" not in out and "判定: 否 →" not in out


def test_a_default_that_decided_is_said_so(runner):
    """coalesce(listed(应使用单位, 度量单位), true) with the unit printed blank: not 并非 是, but what was unknown and
    what it was taken as."""
    out = explain(runner, "国家基本公共卫生服务", "--rule", "indicator-review.name-unit-mismatch", facts=JISHAN)
    assert "判定: 并非 度量单位 (空白) 在 应使用单位 “%、‰” 之列(无法判断,按“是”算) → 不成立" in out
    assert "并非 是 →" not in out


def test_counts_and_amounts_found_in_a_list_are_named(runner):
    out = explain(runner, "智慧城管")
    assert "判定: 其他部门的个数 0 > 0 → 不成立" in out
    assert "判定: 所述金额 111.85 与 表中金额 [111.845, 111.855] 不符 → 不成立" in out


def test_a_leaf_under_a_negated_or_reads_the_right_way_round(runner):
    """not (目标单位 in 金额单位 or 度量单位 in 金额单位) fired because neither unit is a money unit: each deciding
    leaf is shown as 并非 …, not as a bare leaf that reads as if it held."""
    out = explain(runner, "初中公用经费", "--rule", "indicator-review.cost-target-not-amount",
                  facts=EXAMPLES / "2021" / "05-yinchuan-liuzhong.yaml")
    assert "判定: 并非 (空白) 属于 金额单位 → 成立" in out
    assert "判定: (空白) 属于 金额单位 → 成立" not in out

"""Quantitative statements in free text become candidate claims, quoted and unconfirmed; Chinese numerals are
read by cn2an only where a unit follows (or 百分之 precedes), so 统一 / 一级指标 / 一是 are not numbers."""
from __future__ import annotations

from decimal import Decimal

from engine.io.documents.importer import combine, import_document
from engine.io.documents.prose import candidates


def found(text: str) -> list:
    return [(c.printed, c.value, c.unit, c.measure) for c in candidates([("第1段", text)])]


def test_chinese_numerals_percentages_amounts_and_project_counts():
    assert found("全县共实施七个项目,资金三十二点四万元。") == [
        ("三十二点四万元", Decimal("32.4"), "万元", None), ("七个项目", Decimal(7), "个", "项目个数")]
    assert found("服务对象满意度达到百分之九十以上。") == [("百分之九十", "90%", "", "满意度")]
    assert found("预算执行率为36.43%。") == [("36.43%", "36.43%", "", "总体执行率")]
    assert found("共下达资金2,113.63万元。") == [("2,113.63万元", Decimal("2113.63"), "万元", "预算总额")]


def test_words_that_contain_numerals_are_not_numbers():
    assert found("一级指标统一完成,一是加强管理,二是落实责任。") == []


def test_the_sentence_is_quoted_whole_with_its_place():
    [c] = candidates([("第3段", "我校生均公用经费项目运转正常。全年支出87.06万元;暂无问题。")])
    assert (c.section, c.text) == ("第3段", "全年支出87.06万元;") and c.measure == "执行总额"


def test_a_free_text_report_becomes_narrative_and_candidates(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("<html><body><h1>耒阳市第四中学2022年度专项资金绩效自评价报告</h1>"
                    "<p>单位:万元</p><p>我校2022年度共收到生均公用经费239万元,支出87.06万元。</p>"
                    "<p>全校2390名学生,每生1000元。</p></body></html>", encoding="utf-8")
    result = import_document(path, path.name)
    data = result.data
    assert data["year"] == 2022 and "projects" not in data and data["department"] is None
    assert "名称未印出" in data["department_described"]
    assert [n["text"].value for n in data["narrative"]] == [  # the title line is document.title, not text
        "单位:万元", "我校2022年度共收到生均公用经费239万元,支出87.06万元。", "全校2390名学生,每生1000元。"]
    assert [c.printed for c in result.candidates] == ["239万元", "87.06万元", "1000元", "2390名"]
    text, problems = combine([result])
    assert problems == [] and "# ---- 待确认的陈述" in text and "#    value: 87.06  # 印为 “87.06万元”" in text

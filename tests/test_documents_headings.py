"""A free-text report's narrative: numbered headings (一、 (一) 1、 (1)) divide it, the number goes into the section
(with those of the headings above), the title line is the document's title; a numbered line that reads as a
sentence (punctuation, length, 1.5万元) is text, and a heading run into its text is not split by a guess."""
from __future__ import annotations

from engine.io.documents.model import Paragraph
from engine.io.documents.narrative import entries, heading


def read(*texts) -> list:
    return entries([Paragraph(t, f"第{n}段") for n, t in enumerate(texts, start=1)])


def test_headings_and_their_numbers():
    assert heading("(二)资金及项目绩效目标") == (2, "(二)", "资金及项目绩效目标")
    assert heading("1.5万元用于培训") is None  # a decimal, not a number of a heading
    assert heading("(一)项目基本概况我校2022年项目为一个:生均公用经费项目") is None  # run into its text
    assert heading("一、" + "很长的标题" * 9) is None and heading("2、完成建设工程32.63公里。") is None


def test_the_narrative_of_a_report():
    places: dict = {}
    found = entries([Paragraph(t, f"第{n}段") for n, t in enumerate(
        ["某中学2022年度绩效自评报告", "为做好绩效管理工作,现报告如下:", "一、基本情况", "(一)项目概况",
         "我校项目为一个。", "第二段。", "(二)资金情况", "共计239万元", "二、存在问题"], start=1)], places)
    assert found == [{"section": "第2段", "text": "为做好绩效管理工作,现报告如下:"},
                     {"section": "一、(一) 第4段", "heading": "项目概况", "text": "我校项目为一个。\n第二段。"},
                     {"section": "一、(二) 第7段", "heading": "资金情况", "text": "共计239万元"},
                     {"section": "二、 第9段", "heading": "存在问题", "text": None}]
    assert places["第8段"] == "一、(二) 第8段" and places["第2段"] == "第2段"


def test_text_under_no_heading_is_one_entry_per_paragraph():
    assert [e["text"] for e in read("甲。", "乙。")] == ["甲。", "乙。"]

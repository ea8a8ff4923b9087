"""contains(text, words): the one substring test of the expression language, for rule vocabularies over free text."""
from __future__ import annotations

from engine.expr.functions import FUNCTIONS

contains = FUNCTIONS["contains"][2]


def test_a_word_anywhere_in_the_text():
    assert contains("资金已到位(100字以内)", ["(200字以内)", "(100字以内)"]) is True
    assert contains("财政供养人员控制率", ["控制率"]) is True


def test_part_of_a_word_is_not_the_word():
    assert contains("项目自评总分 95 分", ["结合自评情况,说明项目自评总分"]) is False
    assert contains("控制", ["控制率"]) is False


def test_an_empty_word_matches_nothing():
    assert contains("任何文字", [""]) is False
    assert contains("任何文字", []) is False


def test_missing_text_or_vocabulary_is_unknown():
    assert contains(None, ["控制率"]) is None
    assert contains("控制率", None) is None

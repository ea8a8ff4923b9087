"""head_lookup() and listed(): the vocabulary functions behind indicator-review.name-unit-mismatch."""
from __future__ import annotations

from engine.expr.functions import FUNCTIONS

head_lookup, listed = FUNCTIONS["head_lookup"][2], FUNCTIONS["listed"][2]
UNITS = {"人数": "人、名", "人次": "人次", "次数": "次", "次": "次", "率": "%"}


def test_the_word_ending_latest_is_the_head():
    assert head_lookup(UNITS, "培训人数") == "人、名"
    assert head_lookup(UNITS, "困难学生人数覆盖率") == "%"  # 人数 comes first, 率 is the head
    assert head_lookup(UNITS, "培训人次") == "人次"  # 人次 and 次 end together: the longer word wins
    assert head_lookup(UNITS, "道路长度") is None and head_lookup(None, "人数") is None


def test_listed_takes_whole_items_and_an_empty_unit_is_unknown():
    assert listed("人、名", "名") is True
    assert listed("人、名", "人次") is False  # not a substring test
    assert listed("人、名", "") is None and listed("人、名", None) is None and listed(None, "人") is None

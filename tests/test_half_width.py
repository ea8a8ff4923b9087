"""The one full-width -> half-width table (engine/core/cjk.py) and the readers that use part of it."""
from __future__ import annotations

import unicodedata

import pytest

from engine.core.cjk import HALF_WIDTH, half_width_table
from engine.expr import ExprSyntaxError, parse


def test_the_table_is_what_unicode_says_each_full_width_form_stands_for():
    for code, half in HALF_WIDTH.items():
        assert unicodedata.normalize("NFKC", chr(code)) == half
    assert len(HALF_WIDTH) == 95  # every printable ASCII character, and the space


def test_a_reader_converts_only_the_part_it_names():
    assert "（１２．５％）".translate(half_width_table("０１２３４５６７８９．％")) == "（12.5%）"


@pytest.mark.parametrize("char, half", [("；", ";"), ("ａ", "a"), ("＜", "<"), ("≦", "≤")])
def test_the_parser_hints_the_half_width_form_of_any_full_width_character(char, half):
    with pytest.raises(ExprSyntaxError) as error:
        parse(f"x {char} 1")
    assert f"改为 “{half}”" in error.value.suggestion

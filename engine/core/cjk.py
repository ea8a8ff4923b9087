"""CJK text: terminal width, so tables line up in a terminal, and the one full-width -> half-width table."""
from __future__ import annotations

import unicodedata

# What a Chinese input method types for each printable ASCII character (U+FF01..U+FF5E), and the
# ideographic space: the one table of full-width forms. Each reader converts the part it names with
# half_width_table, since what may be converted differs (a facts value keeps its printed （）, a number does not).
HALF_WIDTH = {0xFF01 + i: chr(0x21 + i) for i in range(94)} | {0x3000: " "}


def half_width_table(chars: str) -> dict:
    """The part of HALF_WIDTH for the full-width `chars`, as a str.translate table."""
    return {ord(char): HALF_WIDTH[ord(char)] for char in chars}


def display_width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200b\u200c\u200d\u2060\ufeff":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table(rows: list[list[str]], header: list[str] | None = None) -> str:
    """Left-aligned columns separated by two spaces, widths measured in terminal cells."""
    all_rows = ([header] if header else []) + rows
    if not all_rows:
        return ""
    widths = [max(display_width(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in all_rows]
    if header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

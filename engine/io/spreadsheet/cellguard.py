"""The one guard against formula injection, for every spreadsheet-like output (csv, xlsx, templates).

A name a department typed, such as `=HYPERLINK(...)` or `@SUM(1+1)`, must reach the auditor's spreadsheet as
text, never as a live formula. The trigger characters are OWASP's (CSV injection): = + - @ tab and CR.
In a csv the only defence is a leading apostrophe, which `import` removes again (the inverse below), so a
template filled in and imported gives back the names as written. In an xlsx a cell's type decides: the text
is stored as a string cell, unchanged. Numbers are written as numbers and never pass through here.
"""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _guarded_in_csv(text: str) -> bool:
    # apostrophes already leading a formula-like text get one more, so the inverse is exact
    return looks_like_formula(text.lstrip("'"))


def csv_safe(value):
    """A csv cell that a spreadsheet shows as the text written."""
    return "'" + value if isinstance(value, str) and _guarded_in_csv(value) else value


def csv_unguarded(text: str) -> str:
    """The text as written before csv_safe guarded it."""
    return text[1:] if text.startswith("'") and _guarded_in_csv(text) else text


def set_xlsx_text(cell, value) -> None:
    """Store a value in an openpyxl cell; text stays text (openpyxl would turn a leading '=' into a formula)."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"

"""Write an imported facts file as YAML text, each value followed by a comment naming its cell.

Numbers keep their printed precision (Decimal written plainly: 170.35, 20.00), rates are quoted
strings ("65.66%"), other strings are plain where YAML would read them back unchanged and
double-quoted otherwise. Returns the text and a map from line number to cell, so a problem the
normal loader finds in the generated file can be reported at the spreadsheet cell.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import yaml

_UNSAFE = set(':#{}[],&*!|>\'"%@`\\')


@dataclass(frozen=True)
class Sourced:
    """A value and the cell it came from (e.g. 项目表!E5); note is added to the comment."""

    value: object
    ref: str
    note: str = ""


def _plain_ok(text: str) -> bool:
    if not text or text != text.strip() or "\n" in text or any(c in _UNSAFE for c in text) or text[0] in "-?~":
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


def scalar(value, flow: bool = False) -> str:
    if value is None or isinstance(value, int):  # null, true, false or the integer: JSON's spelling is YAML's
        return json.dumps(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if not flow and _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _unwrap(value):
    return (value.value, value) if isinstance(value, Sourced) else (value, None)


def _comment(src: Sourced | None) -> str:
    if src is None:
        return ""
    return f"  # {src.ref}" + (f" {src.note}" if src.note else "")


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.refs: dict[int, str] = {}

    def put(self, line: str, src: Sourced | None) -> None:
        self.lines.append(line)
        if src is not None:
            self.refs[len(self.lines)] = src.ref

    def mapping(self, data: dict, indent: int) -> None:
        pad = " " * indent
        for key, raw in data.items():
            value, src = _unwrap(raw)
            if isinstance(value, dict):
                self.put(f"{pad}{key}:", src)
                self.mapping(value, indent + 2)
            elif isinstance(value, list) and any(isinstance(_unwrap(x)[0], dict) for x in value):
                self.put(f"{pad}{key}:", src)
                self.sequence(value, indent + 2)
            elif isinstance(value, list):
                items = ", ".join(scalar(_unwrap(x)[0], flow=True) for x in value)
                self.put(f"{pad}{key}: [{items}]{_comment(src)}", src)
            else:
                self.put(f"{pad}{key}: {scalar(value)}{_comment(src)}", src)

    def sequence(self, items: list, indent: int) -> None:
        pad = " " * indent
        for raw in items:
            value, src = _unwrap(raw)
            first = len(self.lines)
            self.mapping(value, indent + 2)
            if len(self.lines) > first:  # the item's first key goes on the "- " line (an empty item has none)
                self.lines[first] = pad + "- " + self.lines[first][indent + 2:]
            if src is not None and first + 1 not in self.refs:
                self.refs[first + 1] = src.ref


def write_yaml(data: dict, header: tuple = ()) -> tuple[str, dict]:
    writer = _Writer()
    writer.lines.extend(f"# {line}" for line in header)
    writer.mapping(data, 0)
    return "\n".join(writer.lines) + "\n", writer.refs

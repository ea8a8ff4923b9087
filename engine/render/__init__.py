"""Render stage: an Evaluation -> a document. Formats are registered here by name.

Each entry maps a --format name to (module, binary). The module's render(evaluation, options) returns
str, or bytes when binary is True. Modules are imported only when their format is used, to keep
start-up fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module


@dataclass(frozen=True)
class RenderOptions:
    verbose: bool = False
    extra: dict = field(default_factory=dict)


FORMATS: dict[str, tuple[str, bool]] = {
    "text": ("engine.render.text_report", False),
    "json": ("engine.render.json_report", False),
    "html": ("engine.render.html_report", False),
    "md": ("engine.render.markdown_report", False),
    "csv": ("engine.render.csv_report", False),
    "xlsx": ("engine.render.xlsx_report", True),
}


def render(fmt: str, evaluation, options: RenderOptions | None = None):
    return import_module(FORMATS[fmt][0]).render(evaluation, options or RenderOptions())


def is_binary(fmt: str) -> bool:
    return FORMATS[fmt][1]

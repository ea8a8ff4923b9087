"""Render stage: an Evaluation -> a document. Formats are registered here by name.

Each entry maps a --format name to (module, function, binary). The function takes
(evaluation, options) and returns str, or bytes when binary is True. Modules are
imported only when their format is used, to keep start-up fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module


@dataclass(frozen=True)
class RenderOptions:
    verbose: bool = False
    extra: dict = field(default_factory=dict)


FORMATS: dict[str, tuple[str, str, bool]] = {
    "text": ("engine.render.text_report", "render", False),
    "json": ("engine.render.json_report", "render", False),
    "html": ("engine.render.html_report", "render", False),
    "md": ("engine.render.markdown_report", "render", False),
    "csv": ("engine.render.csv_report", "render", False),
    "xlsx": ("engine.render.xlsx_report", "render", True),
}


def render(fmt: str, evaluation, options: RenderOptions | None = None):
    module_name, function, _ = FORMATS[fmt]
    return getattr(import_module(module_name), function)(evaluation, options or RenderOptions())


def is_binary(fmt: str) -> bool:
    return FORMATS[fmt][2]

"""Load stage: what a loaded YAML file is (a `Document`) and the limits every way of loading one keeps.

Kept apart from yamlsrc.py so that its fast path (yamlscan.py) and its reference path share these without
importing each other."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import Diagnostic

MAX_DEPTH = 64
MAX_DIGITS = 20  # no printed figure needs more; longer ones would be rounded by 34-digit arithmetic

PathKey = tuple  # tuple[str | int, ...]


def render_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """A parsed YAML file: the data and where each value was written."""

    file: str
    data: object
    marks: dict = field(default_factory=dict)  # path -> (line, column) of the value
    key_marks: dict = field(default_factory=dict)  # path -> (line, column) of the key
    checked = None  # the fastschema.Plan the reader checked the document against as it read it (yamlscan.scan)

    def where(self, path: PathKey) -> tuple[int, int]:
        """Line and column of the value at path, or of its nearest written ancestor."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))

    def key_where(self, path: PathKey) -> tuple[int, int]:
        return self.key_marks.get(tuple(path)) or self.where(path)

    def problem(self, collector, path: PathKey, message: str, expected="", suggestion="", key=False) -> None:
        """A diagnostic into collector, placed at the value at path (key=True: at its key)."""
        line, col = self.key_where(path) if key else self.where(path)
        collector.add(Diagnostic(self.file, line, col, render_path(path), message, expected, suggestion))

    def line(self, path: PathKey) -> int:
        mark = self.marks.get(path) if type(path) is tuple else None  # the common case, without the walk
        return mark[0] if mark is not None else self.where(path)[0]

    def value_lines(self, path: PathKey, node) -> dict | list:
        """For the mapping or list `node` at path: key (or index) -> line of that value, all at once
        (yamlscan's documents answer from their tables, without building path keys)."""
        if type(node) is dict:
            return {key: self.line(path + (key,)) for key in node}
        return [self.line(path + (i,)) for i in range(len(node))]

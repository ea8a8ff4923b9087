"""Diagnostics: errors are data, collected by every stage and reported together."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a user's input, located as precisely as we can."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    path: str  # field path inside the document, e.g. "projects[0].budget.executed"
    message: str
    expected: str = ""
    suggestion: str = ""

    def render(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        details = (("字段", self.path), ("期望", self.expected), ("建议", self.suggestion))
        return f"{where}: {self.message}" + "".join(f"\n    {name}: {text}" for name, text in details if text)


class InputError(Exception):
    """Raised by a stage when the user's input is invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__(f"{len(self.diagnostics)} input error(s)")

    def __reduce__(self):  # raised in a worker process (--jobs), it reaches the parent whole
        return type(self), (self.diagnostics,)

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


@dataclass
class Collector:
    """Accumulates diagnostics so a stage can report all of them in one run."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics) -> None:
        self.diagnostics.extend(diagnostics)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise InputError(self.diagnostics)


def did_you_mean(word: str, candidates) -> str:
    import difflib

    matches = difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.6)
    return "你是不是想写: " + " / ".join(matches) + "?" if matches else ""

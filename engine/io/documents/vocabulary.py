"""The printed labels of forms.yaml, and the one way labels are compared."""
from __future__ import annotations

import functools
import re
from importlib import resources

from ..spreadsheet.reader import half_width

# 项目资金(万元), 单位:元: the two units amounts are converted from (template.UNITS), so not a forms.yaml list
_UNIT = re.compile(r"\(\s*(万元|元)\s*\)")
_NOISE = re.compile("[\\s*※:\uff1a]")
_BRACKETS = str.maketrans("\uff08\uff09\uff1a", "():")


def label_key(text: str) -> str:
    """A printed label as compared: no spaces or line breaks, no unit in brackets, half-width, ASCII brackets."""
    text = half_width(text or "").translate(_BRACKETS)
    return _NOISE.sub("", _UNIT.sub("", text))


def unit_in(text: str) -> str | None:
    text = half_width(text or "").translate(_BRACKETS)
    match = _UNIT.search(text) or re.search(r"单位:\s*(万元|元)", text)
    return match.group(1) if match else None


class Vocabulary:
    """The labels of forms.yaml as they are compared (label keys), each list read once."""

    def __init__(self, data: dict):
        goals = data["goals"]
        self.titles = tuple((t["label"], t["scope"]) for t in data["titles"])  # (label, scope)
        self.keys = _labels(data["keys"])  # label key -> field
        self.starts_form = frozenset(data["starts_form"])
        self.budget_columns = _labels(data["budget_columns"])
        self.budget_total = frozenset(label_key(x) for x in data["budget_rows"]["total"])
        self.funding = frozenset(label_key(x) for x in data["budget_rows"]["funding"])
        self.funding_prefixes = tuple(data["funding_prefixes"])
        self.goals_label = frozenset(label_key(x) for x in goals["label"])
        self.goals_columns = _labels({"expected": goals["expected"], "actual": goals["actual"]})
        self.indicator_columns = _labels(data["indicator_columns"])
        self.total_row = frozenset(label_key(x) for x in data["total_row"])
        self.narrative = frozenset(label_key(x) for x in data["narrative"])
        self.checklist_columns = tuple(label_key(x) for x in data["checklist_columns"])  # label keys, in order
        self.ignored_rows = frozenset(label_key(x) for x in data["ignored_rows"])
        self.marks = frozenset(data["marks"])

    def title_in(self, text: str) -> tuple | None:
        key = label_key(text)
        return next(((label, scope) for label, scope in self.titles if label in key), None)

    def funding_label(self, text: str) -> bool:
        key = label_key(text)
        for prefix in self.funding_prefixes:
            key = key.removeprefix(label_key(prefix))
        return key in self.funding or any(key.startswith(f) for f in self.funding)


def _labels(mapping: dict) -> dict:
    """field -> labels, as label key -> field (the first field listing a label keeps it)."""
    out: dict = {}
    for name, labels in mapping.items():
        for label in labels:
            out.setdefault(label_key(label), name)
    return out


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    import yaml

    return Vocabulary(yaml.safe_load(resources.files(__package__).joinpath("forms.yaml").read_text(encoding="utf-8")))

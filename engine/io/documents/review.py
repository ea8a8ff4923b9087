"""The candidate claims perfaudit import writes as comments at the end of a facts file: writing them, reading
them back, and moving the ones the auditor confirms into `claims:` (the rest stay comments, or are dropped).

Nothing here decides what a sentence means: the auditor names the measure where the importer could not.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import yaml

from ..spreadsheet.yamlwrite import scalar

MARK = "# ---- 待确认的陈述"
UNDECIDED = "(待定)"
_HEADER = (f"{MARK}: 从文字中抽出的数量陈述,均未确认。核对原文后用 perfaudit claims review 本文件 列出编号,",
           "# --accept 编号 移入 claims:(口径未定的用 --measure 编号=口径 给出),--discard 编号 删去。")


def candidate_lines(found: list) -> list:
    """prose.Candidate list -> the comment lines written at the end of an imported facts file."""
    if not found:
        return []
    lines = ["", *_HEADER]
    for c in found:
        lines += [f"#  - section: {scalar(c.section)}", f"#    text: {scalar(c.text)}",
                  f"#    measure: {c.measure or UNDECIDED}", f"#    value: {scalar(c.value)}  # 印为 “{c.printed}”"]
        if c.unit:
            lines.append(f"#    unit: {c.unit}")
    return lines


@dataclass(frozen=True)
class Pending:
    number: int  # 1-based, as listed
    section: str
    text: str
    measure: str  # UNDECIDED when the importer could not tell
    value: str  # as written: 32.4, 90%
    unit: str
    printed: str
    lines: tuple  # (first, last) line index of its comment lines in the file


class PendingProblem(ValueError):
    """A candidate's comment lines that do not read back as one `section/text/measure/value` entry (hand-edited)."""

    def __init__(self, line: int, number: int):
        super().__init__(f"第 {number} 条待确认的陈述无法读取")
        self.line = line  # 1-based line of the file


def split(text: str) -> tuple:
    """(the facts text before the candidate block, [Pending]) ; no block: (text, [])."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(MARK)), None)
    if start is None:
        return text, []
    body = "\n".join(lines[:start]).rstrip("\n") + "\n"
    items, current = [], None
    for i, line in enumerate(lines[start + 1:], start=start + 1):
        if line.startswith("#  - "):
            current = [i, i]
            items.append(current)
        elif line.startswith("#    ") and current is not None:
            current[1] = i
        elif line.strip():
            current = None  # a comment of the auditor's own: kept while candidates remain
    pending = []
    for n, (first, last) in enumerate(items, start=1):
        chunk = "\n".join(line[1:] for line in lines[first:last + 1])
        try:
            loaded = yaml.load(chunk, Loader=yaml.BaseLoader)  # every value as the text written (no float)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise PendingProblem(first + 1 + (mark.line if mark else 0), n) from None
        if not (isinstance(loaded, list) and len(loaded) == 1 and isinstance(loaded[0], dict)
                and all(isinstance(value, str) for value in loaded[0].values())):
            raise PendingProblem(first + 1, n)
        [item] = loaded
        printed = lines[first:last + 1]
        said = next((line.split("# 印为 ", 1)[1].strip("“” ") for line in printed if "# 印为 " in line), "")
        pending.append(Pending(n, item.get("section", ""), item.get("text", ""), item.get("measure", UNDECIDED),
                               item.get("value", ""), item.get("unit", ""), said, (first, last)))
    return body, pending


def listing(pending: list) -> str:
    return "".join(f"{p.number}. [{p.section}] {p.measure if p.measure != UNDECIDED else '口径待定'} {p.value}{p.unit}"
                   f"(印为“{p.printed}”)\n     “{p.text}”\n" for p in pending)


INTO = {"年初预算数": "initial", "全年预算数": "full_year", "全年执行数": "executed", "执行率": "rate"}


@dataclass(frozen=True)
class Decision:
    """What the auditor said about one candidate: a claim (measure, and the project, excerpt and members it
    names), and/or the budget field of a project it gives (the transcriber's reading, confirmed, never inferred)."""

    measure: str | None = None  # None: not a claim
    project: str | None = None
    text: str | None = None  # an excerpt of the sentence (facts-format §8: 可节选,用“……”表示省略)
    members: tuple = ()
    into: str | None = None  # a key of INTO
    source: str | None = None  # the funding row (资金来源) the budget value is printed for


def excerpt_of(excerpt: str, sentence: str) -> bool:
    """The excerpt's parts, split at ……, are printed in the sentence in that order."""
    at = 0
    for part in (p for p in excerpt.split("……") if p):
        at = sentence.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return bool(excerpt.replace("……", ""))


def _value(p: Pending) -> str:
    return scalar(p.value) if p.value.endswith("%") else format(Decimal(p.value), "f")


def _claim_lines(p: Pending, ident: str, d: Decision) -> list:
    lines = [f"  - id: {ident}  # 由 perfaudit claims review 确认", f"    section: {scalar(p.section)}",
             f"    text: {scalar(d.text or p.text)}", f"    measure: {scalar(d.measure)}"]
    if d.project:
        lines.append(f"    project: {scalar(d.project)}")
    lines.append(f"    value: {_value(p)}  # 印为 “{p.printed}”")
    if p.unit and not p.value.endswith("%"):
        lines.append(f"    unit: {scalar(p.unit)}")
    if d.members:
        lines.append(f"    members: [{', '.join(scalar(m, flow=True) for m in d.members)}]")
    return lines


def _project_lines(name: str, given: list) -> list:
    """A project written from the budget values the auditor took from sentences: [(Pending, Decision)]."""
    def value_line(indent: str, p: Pending, d: Decision) -> str:
        return f"{indent}{d.into}: {_value(p)}  # 待确认的第 {p.number} 条,印为 “{p.printed}”"

    sections = ";".join(dict.fromkeys(p.section for p, _ in given))
    lines = [f"  - name: {scalar(name)}  # 由 perfaudit claims review 给出,金额取自正文", f"    section: {scalar(given[0][0].section)}",
             "    budget:", f"      section: {scalar(sections)}"]
    lines += [value_line("      ", p, d) for p, d in given if d.source is None]
    sources = list(dict.fromkeys(d.source for _, d in given if d.source is not None))
    if sources:
        lines.append("      funding:")
    for source in sources:
        rows = [(p, d) for p, d in given if d.source == source]
        lines += [f"        - source: {scalar(source)}", f"          section: {scalar(rows[0][0].section)}"]
        lines += [value_line("          ", p, d) for p, d in rows]
    return lines


def _free_ids(data: dict, count: int) -> list:
    taken = {str(item.get("id")) for key in ("claims", "commitments") for item in (data.get(key) or [])
             if isinstance(item, dict)}
    return list(itertools.islice((f"c{n}" for n in itertools.count(1) if f"c{n}" not in taken), count))


def _append(head: list, data: dict, key: str, new: list) -> int:
    """Put `new` (item lines of the top-level list `key`) after that list's last item, or as a new list at the
    end; the index of the first new line."""
    if key in data:
        at = next(i for i, line in enumerate(head) if line.startswith(f"{key}:"))
        end = next((i for i in range(at + 1, len(head)) if head[i][:1] not in ("", " ", "#")), len(head))
        while end > at + 1 and not head[end - 1].strip():
            end -= 1
        head[end:end] = new
        return end
    head.append(f"{key}:")
    head += new
    return len(head) - len(new)


def reviewed(text: str, decisions: dict, discarded: set) -> tuple:
    """(the facts text with the decided candidates ({number: Decision}) written as claims and as projects' budget
    values, and removed from the comments with the discarded ones, the others staying as they were; line
    number -> the candidate it came from)."""
    lines = text.split("\n")
    body, pending = split(text)
    data = yaml.safe_load(body) or {}
    chosen = [p for p in pending if p.number in decisions and decisions[p.number].measure]
    blocks = [(p.number, _claim_lines(p, ident, decisions[p.number]))
              for p, ident in zip(chosen, _free_ids(data, len(chosen)))]
    projects: dict = {}
    for p in pending:
        d = decisions.get(p.number)
        if d is not None and d.into:
            projects.setdefault(d.project, []).append((p, d))
    gone = {i for p in pending if p.number in decisions or p.number in discarded
            for i in range(p.lines[0], p.lines[1] + 1)}
    start = next(i for i, line in enumerate(lines) if line.startswith(MARK))
    head = lines[:start]
    while head and not head[-1].strip():
        head.pop()
    refs: dict = {}
    for key, made in (("claims", blocks),
                      ("projects", [(given[0][0].number, _project_lines(name, given)) for name, given in projects.items()])):
        new = [line for _, block in made for line in block]
        if new:
            at = _append(head, data, key, new)
            numbers = [n for n, block in made for _ in block]  # the candidate each new line came from
            refs = {(k if k <= at else k + len(new)): v for k, v in refs.items()}  # lines moved down
            refs.update({at + 1 + i: f"待确认的第 {n} 条" for i, n in enumerate(numbers)})
    rest = [line for i, line in enumerate(lines[start:], start=start) if i not in gone]
    left = [line for line in rest if line.startswith("#  - ")]
    tail = ["", *rest] if left else []
    return "\n".join(head + tail).rstrip("\n") + "\n", refs

"""Streamed JSON and CSV output: memory that does not grow with the number of findings.

`perfaudit evaluate --format json|csv` used to keep every Finding of the run and the whole text of
the document in the parent process (about 10 KB a project: 1 GB at 100,000 projects). Instead each
partition (engine/run/parallel.py) renders its own findings, in the worker that evaluated it, into one
block of bytes per report (findings of one report are contiguous in the output: Finding.sort_key
starts with year and department). The parent appends each block to a spool file as it arrives and
keeps only its place, its tally of findings (findings.tally) and the partition's Evaluation without
findings or project metrics. Once every partition is done the document is written through
engine/io/output.py's Stream (still atomic), the blocks copied from the spool in (year, department)
order: the same bytes as rendering the merged Evaluation (tests/test_streaming.py).

The spool is an unnamed temporary file (O_TMPFILE where the system has it): nothing to clean up, even
after SIGKILL. It sits beside the output file (the disk the user chose for it), or in the temporary
folder for standard output and devices.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import tempfile
from collections import Counter
from importlib import import_module

from ..core.findings import UNEVALUABLE, tally

FORMATS = {"json": "engine.render.json_report", "csv": "engine.render.csv_report"}


def renderer(fmt: str):
    """The render module of a streamed format: finding_block(findings, memo) and write_streamed(...)."""
    return import_module(FORMATS[fmt])


@dataclasses.dataclass
class RenderedPart:
    """What a partition hands back: its Evaluation without findings and project metrics, and per report
    ((year, department), block bytes, block rows, tally)."""

    evaluation: object
    blocks: list


def render_part(evaluation, fmt: str) -> RenderedPart:
    """A partition's Evaluation as blocks (run in the worker that evaluated it)."""
    module = renderer(fmt)
    memo: dict = {}
    blocks = []
    for key, group in itertools.groupby(evaluation.findings, key=lambda f: (f.year, f.department)):
        group = list(group)
        data, rows = module.finding_block(group, memo)
        blocks.append((key, data, rows, tally(group)))
    light = dataclasses.replace(evaluation, findings=(), project_metrics=())
    return RenderedPart(light, blocks)


class Spool:
    """The blocks received so far, in an unnamed temporary file; a block given again for the same report
    (partitions evaluated again together, engine/run/parallel.py) replaces the earlier one."""

    def __init__(self, fmt: str, folder=None):
        self.fmt = fmt
        self.file = tempfile.TemporaryFile(dir=folder, prefix=".perfaudit-spool-")
        self.end = 0
        self.index: dict = {}  # (year, department) -> (offset, length, rows, tally)

    def add(self, part: RenderedPart):
        for key, data, rows, counts in part.blocks:
            self.file.seek(self.end)
            self.file.write(data)
            self.index[key] = (self.end, len(data), rows, counts)
            self.end += len(data)
        return part.evaluation

    def counts(self) -> dict:
        total = Counter()
        for *_, counts in self.index.values():
            total.update(counts)
        return total

    def blocks(self):
        """(bytes, rows) of each report's block, in document order."""
        self.file.flush()
        fd = self.file.fileno()
        for key in sorted(self.index):
            offset, length, rows, _ = self.index[key]
            yield os.pread(fd, length, offset), rows

    def close(self) -> None:
        self.file.close()


def spool_folder(output: str | None):
    """Beside a regular output file (its real folder); the temporary folder for standard output or a device."""
    if output in (None, "-"):
        return None
    from ..core.errors import InputError
    from ..io.output import OutputError, plan

    try:
        target = plan(output, force=True)
    except (InputError, OutputError):  # reported when the output is written; the spool goes elsewhere meanwhile
        return None
    return None if target.sink else target.path.parent


@dataclasses.dataclass
class Streamed:
    """A run's result for streamed output: the Evaluation without findings, and their blocks in a spool."""

    evaluation: object
    spool: Spool

    @property
    def notice(self) -> str:
        return self.evaluation.notice

    def counts(self) -> dict:
        return self.spool.counts()

    def write(self, write) -> None:
        renderer(self.spool.fmt).write_streamed(self.evaluation, self.counts(), self.spool.blocks(), write)

    def close(self) -> None:
        self.spool.close()


def streamed(evaluation, fmt: str, folder=None) -> Streamed:
    """A whole Evaluation (evaluated in one piece) as a Streamed result, rendered the same way."""
    spool = Spool(fmt, folder)
    return Streamed(spool.add(render_part(evaluation, fmt)), spool)


def severities(counts: dict):
    """The severity of each kind of finding proper in a tally (rules that could not be evaluated are not)."""
    return {severity for (outcome, severity, _), n in counts.items() if n and outcome != UNEVALUABLE}

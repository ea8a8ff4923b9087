"""Streamed JSON and CSV output: memory that does not grow with the number of findings.

`perfaudit evaluate --format json|csv` used to keep every Finding of the run and the whole text of
the document in the parent process (about 10 KB a project: 1 GB at 100,000 projects). Instead each
partition (engine/run/parallel.py) renders its own findings, in the worker that evaluated it, into one
block of bytes per report (findings of one report are contiguous in the output: Finding.sort_key
starts with year and department). The parent appends each block to a spool file as it arrives and
keeps only its place, its tally of findings (findings.tally) and the partition's Evaluation without
findings, project metrics, parameters tables or evidence formats (the JSON and CSV documents have none of them).
Where the system lets a worker open the spool for appending (Linux: /proc/self/fd), the worker appends its blocks
itself and hands back their places: the parent no longer receives, unpickles and writes every byte of the findings
while the workers run (about 0.2 s of its CPU at 100,000 projects, on cores the workers need).
A block taken from the cache (engine/run/partcache.py) is not copied into the spool: its place in the cache
entry is kept, and it is read from there (and checked) when the document is written. Once every partition is
done the document is written through engine/io/output.py's Stream (still atomic), the blocks copied from the
spool in (year, department) order: the same bytes as rendering the merged Evaluation (tests/test_streaming.py).

The spool is an unnamed temporary file (O_TMPFILE where the system has it): nothing to clean up, even
after SIGKILL. It sits beside the output file (the disk the user chose for it), or in the temporary
folder for standard output and devices.
"""
from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import tempfile
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

from ..core.findings import UNEVALUABLE, tally
from .partcache import Blob, read_blob

READ_AHEAD = 6  # blocks read ahead of the one being written (Spool.blocks)
FORMATS = {"json": "engine.render.json_report", "csv": "engine.render.csv_report"}


def renderer(fmt: str):
    """The render module of a streamed format: finding_block(findings, memo) and write_streamed(...)."""
    return import_module(FORMATS[fmt])


@dataclasses.dataclass
class RenderedPart:
    """What a partition hands back: its Evaluation without findings, project metrics, parameters and evidence
    formats, and per report ((year, department), block bytes (or a partcache.Blob, or its (offset, length) in the
    spool once a worker appended it: spooled), block rows, tally)."""

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
    light = dataclasses.replace(evaluation, findings=(), project_metrics=(), parameters=(), evidence_formats=())
    return RenderedPart(light, blocks)


def appender(fd: int) -> int | None:
    """A file description of the spool (open as `fd`) of this process's own, for appending (O_APPEND: each write
    lands whole at the end of the file, whoever else appends), or None where it cannot be had (no /proc)."""
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return None


def append(fd: int, data: bytes) -> tuple:
    """data appended through an appender() in one write: its (offset, length) in the spool."""
    written = os.write(fd, data)
    if written != len(data):  # a regular file's write stops short on a full disk (and over 2 GiB: a block is not)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return os.lseek(fd, 0, os.SEEK_CUR) - written, written


def spooled(part: RenderedPart, fd: int) -> RenderedPart:
    """part's blocks appended to the spool through an appender() (in the worker that rendered them), replaced by
    their places; part itself when that fails (the parent writes them, and says why if it cannot either)."""
    try:
        start, _ = append(fd, b"".join(data for _, data, _, _ in part.blocks))
    except OSError:
        return part
    blocks = []
    for key, data, rows, counts in part.blocks:
        blocks.append((key, (start, len(data)), rows, counts))
        start += len(data)
    return dataclasses.replace(part, blocks=blocks)


class Spool:
    """The blocks received so far, in an unnamed temporary file (or, from the cache, their places in its entries);
    a block given again for the same report (partitions evaluated again together, engine/run/parallel.py) replaces
    the earlier one."""

    def __init__(self, fmt: str, folder=None):
        self.fmt, self.folder = fmt, folder and str(folder)
        self.file = tempfile.TemporaryFile(dir=folder, prefix=".perfaudit-spool-")
        self.end = 0
        # the parent's appends go where the workers' go (the end of the file), not over them
        self.appender = appender(self.file.fileno())
        self.index: dict = {}  # (year, department) -> (where: (offset, length) in the spool or a Blob, rows, tally)
        self.total = None  # counts(), once asked for

    def add(self, part: RenderedPart):
        self.total = None
        for key, data, rows, counts in part.blocks:
            # a place (a Blob, or where a worker appended it) as it is
            self.index[key] = (data if isinstance(data, tuple) else self._append(data), rows, counts)
        return part.evaluation

    def _append(self, data) -> tuple:
        try:
            if self.appender is not None:
                return append(self.appender, data)
            self.file.seek(self.end)
            self.file.write(data)
        except OSError as exc:  # a full disk under the spool is the output's problem (exit 74), not a perfaudit bug
            from ..io.output import _problem

            raise _problem(self.folder or tempfile.gettempdir(), exc) from None
        self.end += len(data)
        return self.end - len(data), len(data)

    def counts(self) -> dict:
        """The tally of every block (asked for twice: the document's summary, the command's exit code)."""
        if self.total is None:
            self.total = Counter()
            for *_, counts in self.index.values():
                self.total.update(counts)
        return self.total

    def absorb(self) -> None:
        """Every block still in a cache entry copied into the spool, checked (partcache.BadEntry before anything is
        written when one is bad): for a destination that cannot be taken back once written (standard output)."""
        for key, (where, rows, counts) in self.index.items():
            if isinstance(where, Blob):
                self.index[key] = (self._append(read_blob(where)), rows, counts)

    def blocks(self):
        """(bytes, rows) of each report's block, in document order; a block read from a cache entry is checked as
        it is read (partcache.BadEntry when it is not what the entry's head says). The blocks are read and checked
        a few ahead in two threads, while this one writes (reading, CRC-32 and writing all let go of the GIL)."""
        self.file.flush()
        fd = self.file.fileno()

        def read(where):
            return read_blob(where) if isinstance(where, Blob) else os.pread(fd, where[1], where[0])

        with ThreadPoolExecutor(2, thread_name_prefix="perfaudit-blocks") as pool:
            ahead: deque = deque()
            try:
                for key in sorted(self.index):
                    where, rows, _ = self.index[key]
                    ahead.append((pool.submit(read, where), rows))
                    if len(ahead) > READ_AHEAD:
                        future, rows = ahead.popleft()
                        yield future.result(), rows
                while ahead:
                    future, rows = ahead.popleft()
                    yield future.result(), rows
            finally:
                for future, _ in ahead:  # the writing stopped (an error): no more reading
                    future.cancel()

    def close(self) -> None:
        if self.appender is not None:
            os.close(self.appender)
            self.appender = None
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

    def write(self, write, rewritable: bool = False) -> None:
        """The document handed to write() piece by piece. Blocks from the cache are checked first, all of them,
        unless the caller is `rewritable` (it drops what was written when this raises: output.Stream's temporary
        file): then they go straight from the entries to write(), checked as they go, and a bad one raises
        partcache.BadEntry midway (the department is then to be evaluated again, the document written anew)."""
        if not rewritable:
            self.spool.absorb()
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

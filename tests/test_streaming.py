"""Streamed JSON and CSV output (engine/run/streaming.py, engine/io/output.py Stream): the bytes of rendering everything
at once, written atomically, never over a file without --force, with the parent's memory independent of the findings."""
from __future__ import annotations

import errno
import json
import os
import threading
import tracemalloc

import pytest

from bench.generate import write_corpus
from engine import api
from engine.cli import cli
from engine.core.errors import InputError
from engine.io import output
from engine.render import render
from engine.run import parallel

from .conftest import BACKENDS, RULES

STREAMED = ("csv", "json")  # engine/run/streaming.py FORMATS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Eight departments over two years: follow-up findings, many partitions when TASK_BYTES is small (four projects a
    department: a fifth of bench/'s 20, as many partitions and blocks to stream)."""
    root = tmp_path_factory.mktemp("streamed-facts")
    write_corpus(root, 32, seed=11, years=(2023, 2024), per_department=4)
    return root


@pytest.fixture(scope="module")
def whole(corpus, ruleset):
    """Each format rendered from the Evaluation of loading everything at once (the reference bytes)."""
    evaluation = api.evaluate(ruleset, api.load_facts([corpus]), backend="python",
                              facts_hash=api.facts_digest([corpus]))
    assert evaluation.findings and len({(f.year, f.department) for f in evaluation.findings}) > 8
    return {fmt: render(fmt, evaluation).encode() for fmt in STREAMED}


def evaluate(runner, corpus, *args):
    result = runner.invoke(cli, ["evaluate", str(corpus), "--rules", str(RULES), *args])
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.parametrize("fmt", STREAMED)
@pytest.mark.parametrize("backend", BACKENDS)
def test_streamed_output_has_the_bytes_of_rendering_everything_at_once(runner, corpus, whole, monkeypatch, tmp_path,
                                                                       fmt, backend):
    monkeypatch.setattr(parallel, "TASK_BYTES", 30_000)  # several partitions, each department's years together
    assert len(parallel.partition(sorted(corpus.rglob("*.yaml")), 1)) > 3
    # where the bytes go (a file, standard output) does not depend on the backend: the python backend's cases write
    # to both with each --jobs, durable_rules' to a file with --jobs 1 and to standard output with --jobs 2
    runs = [("1", True), ("2", False)]  # durable_rules: each --jobs and each destination once
    if backend == "python":
        runs = [("1", True), ("1", False), ("2", True), ("2", False)]
    for jobs, to_file in runs:
        if to_file:
            target = tmp_path / f"out-{jobs}.{fmt}"
            evaluate(runner, corpus, "--format", fmt, "--backend", backend, "--jobs", jobs, "-o", str(target))
            assert target.read_bytes() == whole[fmt]
        else:
            assert evaluate(runner, corpus, "--format", fmt, "--backend", backend,
                            "--jobs", jobs).stdout_bytes == whole[fmt]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out-{jobs}.{fmt}" for jobs, to_file in runs
                                                          if to_file]  # no spool, no temp file


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_department_evaluated_again_replaces_its_spooled_blocks(runner, corpus, whole, monkeypatch, jobs):
    # every file alone: a department's two years are first evaluated apart, then again together (with two jobs,
    # by a worker that appends the blocks to the spool itself)
    monkeypatch.setattr(parallel, "department_of", lambda text: None)
    monkeypatch.setattr(parallel, "TASK_BYTES", 1)
    for fmt in STREAMED:
        assert evaluate(runner, corpus, "--format", fmt, "--jobs", jobs).stdout_bytes == whole[fmt]


@pytest.mark.parametrize("appends", [True, False])
def test_the_workers_append_their_blocks_to_the_spool(runner, corpus, whole, monkeypatch, appends):
    from engine.run import streaming

    # the parent received, unpickled and wrote every block (about 0.2 s of its CPU at 100,000 projects); where a
    # worker cannot open the spool for appending (no /proc), it hands its blocks over as before
    written, real = [], streaming.Spool._append
    monkeypatch.setattr(streaming.Spool, "_append", lambda spool, data: written.append(data) or real(spool, data))
    if not appends:
        monkeypatch.setattr(streaming, "appender", lambda fd: None)
    monkeypatch.setattr(parallel, "TASK_BYTES", 30_000)
    for fmt in STREAMED:
        written.clear()
        assert evaluate(runner, corpus, "--format", fmt, "--jobs", "2").stdout_bytes == whole[fmt]
        assert bool(written) == (not appends)  # a worker's appends are not seen in this process (fork)


def test_an_input_error_is_reported_as_before_and_nothing_is_written(runner, corpus, tmp_path):
    facts = tmp_path / "facts"
    write_corpus(facts, 40, seed=3)
    broken = sorted(facts.rglob("*.yaml"))[0]
    broken.write_text(broken.read_text(encoding="utf-8").replace("department:", "department: [", 1), encoding="utf-8")
    target = tmp_path / "out.json"
    result = runner.invoke(cli, ["evaluate", str(facts), "--rules", str(RULES), "--format", "json", "-o", str(target)])
    assert result.exit_code == 2
    assert not target.exists()


def test_fail_on_counts_the_streamed_findings(runner, corpus):
    severities = {f["severity"] for f in json.loads(evaluate(runner, corpus, "--format", "json").stdout)["findings"]
                  if f["outcome"] != "cannot-evaluate"}
    assert "warning" in severities
    assert evaluate(runner, corpus, "--format", "csv", "--fail-on", "warning").exit_code == 1
    fired = "error" in severities
    assert evaluate(runner, corpus, "--format", "json", "--fail-on", "error").exit_code == (1 if fired else 0)


def test_streamed_output_refuses_to_overwrite_without_force(runner, corpus, tmp_path):
    target = tmp_path / "findings.json"
    target.write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(corpus), "--rules", str(RULES), "--format", "json", "-o", str(target)])
    assert result.exit_code == 2 and "已存在" in result.output
    assert target.read_text(encoding="utf-8") == "mine"
    with pytest.raises(InputError):
        output.Stream(str(target))


def test_a_full_disk_while_streaming_exits_74_and_keeps_the_old_file(runner, corpus, tmp_path, monkeypatch):
    target = tmp_path / "findings.csv"
    target.write_text("old", encoding="utf-8")
    writes = []

    def full(fd, payload):
        writes.append(len(payload))
        if len(writes) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        os.write(fd, payload)

    monkeypatch.setattr(output, "_write_all", full)
    monkeypatch.setattr(output, "_WRITEV", 0)  # every write through _write_all
    monkeypatch.setattr(output.Stream, "BUFFER", 1000)  # several writes before the document is done
    result = runner.invoke(cli, ["evaluate", str(corpus), "--rules", str(RULES), "--format", "csv", "-o", str(target),
                                 "--force"])
    assert result.exit_code == 74 and "磁盘已满" in result.output
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.csv"]


def test_stream_is_all_or_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with output.Stream(str(target), force=True) as out:
            out.write("new " * 1_000_000)  # past the buffer: on disk in the temporary file already
            out.flush()
            assert len([p for p in tmp_path.iterdir()]) == 2
            raise RuntimeError("stopped half way")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert not output._live
    with output.Stream(str(target), force=True) as out:
        out.write("新")
        out.write(b"\n")
    assert target.read_bytes() == "新\n".encode()


def test_stream_writes_a_fifo_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    with output.Stream(str(fifo)) as out:  # a sink: no --force needed, never replaced
        for _ in range(3):
            out.write(b"x" * (output.Stream.BUFFER // 2 + 1))
    reader.join(10)
    assert got == [b"x" * (3 * (output.Stream.BUFFER // 2 + 1))]
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_the_parent_holds_no_findings(ruleset, monkeypatch, tmp_path):
    """The parent's memory (traced; workers not traced) stays far below the document's size: the findings stay in
    the spool, and what the parent holds at once is about one partition's rendered findings."""
    facts = tmp_path / "facts"
    # half the projects and of the partition size of the first version of this test: as many partitions. The
    # parent's peak is a few partitions' results waiting in the pool's result queue plus what it keeps per report,
    # about 0.25 of the document here (representative reports render less per project than the old corpus's)
    write_corpus(facts, 2000, seed=5)
    monkeypatch.setattr(parallel, "TASK_BYTES", 150_000)
    monkeypatch.setattr(output.Stream, "BUFFER", 1 << 16)
    start_worker = parallel._start_worker
    monkeypatch.setattr(parallel, "_start_worker", lambda *a: tracemalloc.stop() or start_worker(*a))
    program = api.compile(ruleset)
    target = tmp_path / "findings.json"
    tracemalloc.start()
    try:
        result = api.evaluate_paths(program, [facts], backend="python", jobs=2, stream="json", spool_folder=tmp_path)
        try:
            assert result.evaluation.findings == () and result.evaluation.project_metrics == ()
            with output.Stream(str(target)) as out:
                result.write(out.write)
        finally:
            result.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = target.stat().st_size
    assert size > 6_000_000
    assert peak < size / 3, (peak, size)
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["findings"] > 1000


def test_a_last_write_that_fails_still_closes_the_file(tmp_path, monkeypatch):
    """The write in __exit__ (what was still buffered) fails: the temporary file is closed and removed."""
    def full(fd, payload):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "out.txt"
    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(output, "_write_all", full)
    monkeypatch.setattr(output, "_WRITEV", 0)  # every write through _write_all
    with pytest.raises(output.OutputError):  # a full disk: exit 74
        with output.Stream(str(target)) as out:
            out.write("buffered, not yet written")
    assert set(os.listdir("/proc/self/fd")) <= before
    assert list(tmp_path.iterdir()) == []


def test_pieces_are_written_whole_after_short_writes(tmp_path, monkeypatch):
    """A buffer's pieces go to writev(2) as they are (no joined copy); a write that stops short goes on from there."""
    real = os.writev
    monkeypatch.setattr(os, "writev", lambda fd, pieces: real(fd, [bytes(memoryview(b"".join(pieces))[:7])]))
    pieces = [b"abc", b"", b"defghij", memoryview(b"klmnopqrstu"), b"v" * 20]
    with open(tmp_path / "out", "wb") as out:
        output._writev_all(out.fileno(), list(pieces))
    assert (tmp_path / "out").read_bytes() == b"".join(pieces)
    assert output._WRITEV > 0 or not hasattr(os, "writev")


def test_a_long_output_is_handed_to_the_disk_as_it_is_written(tmp_path, monkeypatch):
    """Every WRITEBACK bytes of a temporary file get their writeback started (the final fsync then waits less);
    never for a sink, and the bytes are the same."""
    advised = []
    if hasattr(os, "posix_fadvise"):
        monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: advised.append((offset, length)))
    monkeypatch.setattr(output.Stream, "WRITEBACK", 3000)
    monkeypatch.setattr(output.Stream, "BUFFER", 1000)
    target = tmp_path / "out.txt"
    with output.Stream(str(target)) as out:
        for n in range(10):
            out.write(b"%d" % n * 1000)
    assert target.read_bytes() == b"".join(b"%d" % n * 1000 for n in range(10))
    assert advised == ([(0, 3000), (3000, 3000), (6000, 3000)] if hasattr(os, "posix_fadvise") else [])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_under_the_spool_exits_74(runner, corpus, tmp_path, monkeypatch, jobs):
    from engine.run import streaming

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    # a worker's append fails the same way (it is forked with this patch): it hands its blocks to the parent, whose
    # append fails in turn; it was an internal error (exit 70)
    monkeypatch.setattr(streaming, "append", full)
    target = tmp_path / "out.json"
    result = runner.invoke(cli, ["evaluate", str(corpus), "--rules", str(RULES), "--format", "json", "-o", str(target),
                                 "--jobs", jobs])
    assert result.exit_code == 74 and "磁盘已满" in result.output, result.output
    assert list(tmp_path.iterdir()) == []

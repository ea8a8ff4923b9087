"""`evaluate --jobs N`: no more workers than CPUs, and no worker outlives the command (engine/run/parallel.py);
Ctrl-C ends a run with 130 and "已中断。" (engine/io/output.py's handler) and stops the workers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.generate import write_corpus
from engine.cli import cli
from engine.run import parallel

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About two seconds of work with --jobs 2 on 2 CPUs: time enough to find the workers and stop the parent."""
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, 2000)
    return out


def children(pid: int) -> list:
    """Live (not zombie) processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(corpus, tmp_path, **options):
    argv = [sys.executable, "-m", "engine", "evaluate", str(corpus), "--jobs", "2", "--backend", "python",
            "--format", "json", "-o", str(tmp_path / "out.json")]
    return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def workers_of(process, wanted=2, seconds=20) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        found = children(process.pid)
        if len(found) >= wanted:
            time.sleep(0.3)  # the workers are at work, past their initializer
            return found
        time.sleep(0.05)
    pytest.fail(f"no {wanted} workers appeared (exit {process.poll()})")


def gone(pids, seconds=5.0) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return left


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(corpus, tmp_path, sig):
    process = start(corpus, tmp_path)
    workers = workers_of(process)
    try:
        os.kill(process.pid, sig)
        process.communicate(timeout=10)
        assert gone(workers) == [], "workers outlived their parent"
    finally:
        for pid in workers:  # ours: never leave one behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# Ctrl-C as 130 and 已中断。 is main's engine/io/output.py handler, installed by the CLI (261172e); this branch adds
# the workers' part. (Not `import engine.io.output`: the shared editable install finds main's copy of a missing module.)
HANDLES_SIGNALS = hasattr(sys.modules["engine.cli"], "install_signal_handlers")


@pytest.mark.skipif(not HANDLES_SIGNALS, reason="needs engine/io/output.py's SIGINT handler (main 261172e)")
def test_ctrl_c_exits_130_and_stops_the_workers(corpus, tmp_path):
    process = start(corpus, tmp_path, start_new_session=True)  # its own group: Ctrl-C reaches the whole group
    workers = workers_of(process)
    try:
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
        assert process.returncode == 130, stderr
        assert stderr.strip().endswith("已中断。") and "Traceback" not in stderr and "Aborted" not in stderr
        assert gone(workers) == []
        assert not (tmp_path / "out.json").exists()
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_jobs_are_capped_at_the_cpus(runner, tmp_path, monkeypatch):
    corpus = tmp_path / "facts"
    write_corpus(corpus, 24, per_department=4)  # six departments, four projects each
    monkeypatch.setattr(parallel, "TASK_BYTES", 5_000)  # several partitions: a pool is started
    started = []

    class Recording(parallel.ProcessPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    result = runner.invoke(cli, ["evaluate", str(corpus), "--jobs", "1000", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert started == [2]
    notices = [line for line in result.stderr.splitlines() if "--jobs" in line]
    assert notices == ["提示: --jobs 1000 超过可用的 CPU 核数 2,改用 2 个进程。"]


_POOL: list = []  # the pool under test, for its forked worker to reach the result pipe


def _send_half_a_result():
    """In the worker: announce a 1,000-byte result, send none of it, and wait to be killed (as a worker killed
    in the middle of sending its partition's result)."""
    import struct

    _POOL[0]._result_queue._writer._send(struct.pack("!i", 1000))
    time.sleep(60)


def test_stopped_workers_do_not_leave_the_pool_waiting_for_half_a_result():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    _POOL[:] = [pool]
    results = pool._result_queue
    try:
        pool.submit(_send_half_a_result)
        time.sleep(1)  # the manager thread is reading the announced result
        manager = pool._executor_manager_thread
        parallel._stop_workers(pool)
        manager.join(10)
        assert not manager.is_alive(), "the pool's manager thread still waits: the interpreter would hang at exit"
    finally:
        _POOL.clear()
        results._writer.close()  # when the test fails: pytest itself would hang at exit


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_command_is_still_loading_ends_it_without_a_traceback(sig, code):
    # the command's own handlers come after ~0.3 s of imports; the signal arrives before them
    program = ("from engine.__main__ import _interrupt_early; _interrupt_early(); import os; "
               f"os.kill(os.getpid(), {int(sig)}); import engine.cli; import time; time.sleep(10)")
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stderr) == (code, "已中断。\n")


def test_the_command_takes_over_ctrl_c_before_it_loads_the_engine():
    program = ("import sys, engine.__main__ as m; m._interrupt_early(); import signal; "
               "print(signal.getsignal(signal.SIGINT).__qualname__, 'engine.api' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.stdout.split() == ["_interrupt_early.<locals>.stop", "False"], done.stderr

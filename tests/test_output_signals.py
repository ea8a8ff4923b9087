"""Signals during a write (issue 11.9): SIGTERM and Ctrl-C remove the temporary file and exit 143 / 130 with
"已中断。" (not click's "Aborted!" and exit 1, which means findings); temporary files a killed perfaudit left
are swept by the next write into that folder."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from engine.io.output import STALE_SECONDS

from .conftest import FACTS_2024, ROOT, RULES

# The CLI, held up after the report is written to its temporary file and before it is renamed into place.
HELD_CLI = """
import os, sys, time
real_chmod = os.chmod
def held(path, mode, *args, **kwargs):
    if os.path.basename(str(path)).startswith(".perfaudit-"):
        time.sleep(60)
    return real_chmod(path, mode, *args, **kwargs)
os.chmod = held
from engine.cli import main
sys.argv = ["perfaudit"] + sys.argv[1:]
main()
"""


def temporaries(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".perfaudit-")]


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_write_leaves_nothing(tmp_path, signum, code):
    target = tmp_path / "out.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", HELD_CLI, "evaluate", str(FACTS_2024), "--rules", str(RULES),
                              "--format", "json", "-o", str(target)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not temporaries(tmp_path):
            assert child.poll() is None and time.monotonic() < deadline, child.communicate()
            time.sleep(0.05)
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == code, err
    assert "已中断。" in err and "Aborted" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_a_dead_perfaudit_are_swept(runner, tmp_path):
    from engine.cli import cli

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead = finished.pid
    old = time.time() - STALE_SECONDS - 60
    stale = tmp_path / f".perfaudit-{dead}-a1b2c3.tmp"
    stale_folder = tmp_path / f".perfaudit-{dead}-d4e5f6.tmp"
    recent = tmp_path / f".perfaudit-{dead}-g7h8i9.tmp"
    running = tmp_path / f".perfaudit-{os.getpid()}-j0k1l2.tmp"  # this process: still writing
    not_ours = tmp_path / ".perfaudit-notes.tmp"
    for path in (stale, recent, running, not_ours):
        path.write_bytes(b"x" * 1000)
    stale_folder.mkdir()
    (stale_folder / "甲局.yaml").write_text("草稿", encoding="utf-8")
    for path in (stale_folder / "甲局.yaml", stale, stale_folder, running, not_ours):
        os.utime(path, (old, old))
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "json",
                                 "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out.json", recent.name, running.name,
                                                                  not_ours.name])

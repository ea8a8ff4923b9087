"""A signal that arrives the instant a temporary file exists, before perfaudit has noted it for removal (a busy
machine can deschedule the process right there), still leaves nothing behind: the signal is held until the file
is noted, then handled (exit 143, 已中断。)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import FACTS_2024, ROOT, RULES

# mkstemp / mkdtemp send the process SIGTERM as soon as the file or folder exists, before they return
RACING_CLI = """
import os, signal, sys, tempfile
def racing(real):
    def made(*args, **kwargs):
        result = real(*args, **kwargs)
        if ".perfaudit-" in str(result):
            os.kill(os.getpid(), signal.SIGTERM)
        return result
    return made
tempfile.mkstemp = racing(tempfile.mkstemp)
tempfile.mkdtemp = racing(tempfile.mkdtemp)
from engine.cli import main
sys.argv = ["perfaudit"] + sys.argv[1:]
main()
"""


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_a_signal_as_the_temporary_appears_leaves_nothing(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", RACING_CLI, "evaluate", str(FACTS_2024), "--rules", str(RULES),
                           "--format", fmt, "-o", str(target)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 143, done.stderr
    assert "已中断。" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_without_signal_masks_a_write_still_works(tmp_path, monkeypatch):
    """Windows has no pthread_sigmask: the temporary is then made without holding signals, and written as ever."""
    from engine.io import output

    monkeypatch.setattr(output, "_MASKS", False)
    target = tmp_path / "out.txt"
    with output.Stream(str(target)) as out:
        out.write("数据")
    assert target.read_text(encoding="utf-8") == "数据" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    folder = output.temporary_folder(tmp_path)
    assert len(list(tmp_path.iterdir())) == 2
    output.release_temporary(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]

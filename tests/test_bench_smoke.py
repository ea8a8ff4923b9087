"""bench/run.py runs end to end at a tiny size and prints its table (no timing is asserted)."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_bench_prints_every_measurement():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--projects", "45", "--startup-runs", "1",
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "start-up: perfaudit evaluate facts/2024" in out and "import engine.cli" in out
    assert "== 45 projects: 3 facts files" in out
    for row in ("load + validate", "load rules + compile", "evaluate, python backend",
                "evaluate, durable_rules backend", "plain-Python loop", "render JSON",
                "--backend durable --jobs 1", "--backend durable --jobs 2", "MiB"):
        assert row in out, row
    assert "same as the engine's: yes" in out

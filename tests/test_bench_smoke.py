"""bench/run.py runs end to end at a tiny size and prints its table (no timing is asserted)."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, RULES


def test_bench_prints_every_measurement():
    # the tests' own rules (bench/run.py's default is the shipped rules/, which auditors edit)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--projects", "45", "--startup-runs", "1",
                           "--rules", str(RULES), "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "start-up: perfaudit evaluate facts/2024" in out and "import engine.cli" in out
    assert "== 45 projects: 3 facts files" in out
    for row in ("load + validate", "load rules + compile", "evaluate, python backend",
                "evaluate, durable_rules backend", "plain-Python loop", "render JSON",
                "--backend durable --jobs 1", "--backend durable --jobs 2", "MiB",
                "after one department's file changed, with --cache"):
        assert row in out, row
    assert "same as the engine's: yes" in out
    # the ceiling row: durable_rules' native calls alone on the facts our adapter asserted
    row = next(line for line in out.splitlines() if "durable_rules alone: native calls on our" in line)
    assert int(row.split("our ")[1].split(" facts")[0].replace(",", "")) > 0
    assert "projects/s on CPU; the durable evaluate stage costs" in out
    assert "durable_rules alone, research shape: 6 rules, one fact per project (45 facts)" in out

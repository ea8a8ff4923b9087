"""bench/run.py's opt-in large row (--million, generated, deleted after) and its "one file changed" rows."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, RULES


def test_million_row_generates_measures_and_deletes(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--projects", "45", "--million", "60",
                           "--startup-runs", "0", "--rules", str(RULES), "--workdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "== 60 projects: 3 facts files" in out and "deleted after" in out
    large = out.split("== 60 projects")[1]
    for row in ("end to end: perfaudit evaluate --format json --backend python --jobs 2",
                "end to end: perfaudit evaluate --format json --backend durable --jobs 2",
                "end to end after one department's file changed: perfaudit evaluate --format json --backend python"):
        assert row in large, row
    assert "end to end after one department's file changed" in out.split("== 60 projects")[0]
    assert not (tmp_path / "facts-60").exists()
    before = {p.name: p.read_bytes() for p in (tmp_path / "facts-45").rglob("*.yaml")}
    assert all(not text.endswith(b"# changed for the benchmark\n") for text in before.values())  # restored

"""bench/run.py runs end to end at a tiny size and prints its table (no timing is asserted), with its opt-in
large row (--million, generated, deleted after) and its "one file changed" rows. One run serves every test here:
each run of the bench script costs ~8 s of CPU."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import HAVE_DURABLE, ROOT, RULES


# The families of the eight rules bench/run.py's plain loop writes out by hand (LOOP_RULES), with the parameters,
# jurisdictions and sources they use: every row is printed and the loop is still compared with the engine, while each
# of the bench's eleven child processes builds and runs 8 rules instead of 58 (its children: 7.2 -> 3.7 s of CPU)
LOOP_FAMILIES = ("execution-rate", "grading", "indicator-review", "parameters", "jurisdictions", "sources")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bench")
    # the tests' own rules (bench/run.py's default is the shipped rules/, which auditors edit)
    rules = tmp_path_factory.mktemp("bench-rules")
    for family in LOOP_FAMILIES:
        (rules / f"{family}.yaml").write_bytes((RULES / f"{family}.yaml").read_bytes())
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--projects", "45", "--million", "60",
                           "--startup-runs", "1", "--rules", str(rules), "--jobs", "2", "--workdir", str(workdir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, workdir


def test_bench_prints_every_measurement(bench):
    out, _ = bench
    out = out.split("== 60 projects")[0]
    assert "start-up: perfaudit evaluate facts/2024" in out and "import engine.cli" in out
    assert "== 45 projects: 3 facts files" in out
    backend = "durable" if HAVE_DURABLE else "python"  # the end-to-end rows run on durable_rules where it imports
    for row in ("load + validate", "load rules + compile", "evaluate, python backend", "plain-Python loop",
                "render JSON", f"--backend {backend} --jobs 1", f"--backend {backend} --jobs 2", "MiB",
                "after one department's file changed, with --cache"):
        assert row in out, row
    assert "same as the engine's: yes" in out and "evaluate, python backend, 8 rules" in out
    # the end-to-end rows' memory: wait4's bounds and the sampled sum of all processes (issue 17's target)
    row = next(line for line in out.splitlines() if f"--backend {backend} --jobs 2" in line)
    summed = int(row.split("; all ")[1].split(" MiB")[0].replace(",", ""))
    assert 20 < summed < 4096, row
    if not HAVE_DURABLE:  # Python 3.13: the durable_rules rows are left out, saying why
        assert "durable_rules rows left out: it does not import here" in out and "durable_rules backend" not in out
        return
    assert "evaluate, durable_rules backend" in out
    # the ceiling row: durable_rules' native calls alone on the facts our adapter asserted
    row = next(line for line in out.splitlines() if "durable_rules alone: native calls on our" in line)
    assert int(row.split("our ")[1].split(" facts")[0].replace(",", "")) > 0
    assert "projects/s on CPU; the durable evaluate stage costs" in out
    assert "durable_rules alone, research shape: 6 rules, one fact per project (45 facts)" in out


def test_million_row_generates_measures_and_deletes(bench):
    out, tmp_path = bench
    assert "== 60 projects: 3 facts files" in out and "deleted after" in out
    large = out.split("== 60 projects")[1]
    for row in ("end to end: perfaudit evaluate --format json --backend python --jobs 2",
                *(["end to end: perfaudit evaluate --format json --backend durable --jobs 2"] if HAVE_DURABLE else []),
                "end to end after one department's file changed: perfaudit evaluate --format json --backend python"):
        assert row in large, row
    assert "end to end after one department's file changed" in out.split("== 60 projects")[0]
    assert not (tmp_path / "facts-60").exists()
    before = {p.name: p.read_bytes() for p in (tmp_path / "facts-45").rglob("*.yaml")}
    assert all(not text.endswith(b"# changed for the benchmark\n") for text in before.values())  # restored

"""Measurements behind docs/performance.md "Cheaper records (issue 17)": what loading facts costs per project.

    .venv/bin/python bench/generate.py --projects 10000 --out /tmp/facts
    .venv/bin/python bench/records.py cpu /tmp/facts [N]  # load-stage CPU (N loads), collector off as the CLI loads
    .venv/bin/python bench/records.py construct /tmp/facts [N]  # the records alone, from documents read once
    .venv/bin/python bench/records.py evaluate /tmp/facts [N]  # the python evaluate stage, the shipped rules
    .venv/bin/python bench/records.py objects /tmp/facts  # objects and bytes the loaded records hold, per project
    .venv/bin/python bench/records.py pickle /tmp/facts   # pickling the loaded reports: bytes and CPU

Each mode is meant for a fresh process (run it several times, interleaved with another checkout's code through
PYTHONPATH); it prints one line of JSON.
"""
from __future__ import annotations

import gc
import json
import pickle
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path


def _projects(reports) -> int:
    return sum(len(r.projects) for r in reports)


def cpu(path: str, repeat: int = 3) -> dict:
    """The first load of a fresh process and the fastest of `repeat` (the machine is shared: the minimum is the
    steadiest figure; later loads find the loader's parse caches warm, on either side of a comparison)."""
    from engine import api

    gc.disable()  # as the CLI loads (engine/run/gcpause.py)
    times = []
    for _ in range(repeat):
        start = time.process_time()
        reports = api.load_facts([path])
        times.append(time.process_time() - start)
        n = _projects(reports)
        del reports
        gc.collect()
    return {"first_s": round(times[0], 4), "min_s": round(min(times), 4), "projects": n}


def construct(path: str, repeat: int = 5) -> dict:
    """The records alone: documents read and checked once, then Reports built from them `repeat` times (the
    part of the load stage that makes records; fastest of the runs)."""
    from engine.construct.facts import report_from_document
    from engine.core.errors import Collector
    from engine.load.files import expand_paths, load_document

    gc.disable()
    files, _ = expand_paths([path])
    collector = Collector([])
    documents = [load_document(file, "facts", collector) for file in files]
    times = []
    for _ in range(repeat):
        start = time.process_time()
        reports = [report_from_document(doc, collector) for doc in documents]
        times.append(time.process_time() - start)
        n = _projects(reports)
        del reports
        gc.collect()
    return {"first_s": round(times[0], 4), "min_s": round(min(times), 4), "projects": n}


def evaluate(path: str, repeat: int = 3, rules: Path = Path(__file__).resolve().parent.parent / "rules") -> dict:
    """The python evaluate stage over loaded records (findings cite the facts they read, and their sources are
    made then): fastest of `repeat`."""
    from engine import api

    gc.disable()
    program = api.compile(api.load_rules(rules))
    reports = api.load_facts([path])
    times = []
    for _ in range(repeat):
        start = time.process_time()
        evaluation = api.evaluate(program, reports, backend="python")
        times.append(time.process_time() - start)
        del evaluation
        gc.collect()
    return {"first_s": round(times[0], 4), "min_s": round(min(times), 4), "projects": _projects(reports)}


def objects(path: str) -> dict:
    """Objects and bytes still held once the documents are gone: the records alone. Caches the loader keeps
    across files (parsed quantities, rates, names) are filled by a first load, so the second one counts records."""
    from engine import api

    gc.disable()
    api.load_facts([path])
    gc.collect()
    before = Counter(type(o).__name__ for o in gc.get_objects())
    tracemalloc.start()
    reports = api.load_facts([path])
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    blocks = sum(stat.count for stat in tracemalloc.take_snapshot().statistics("filename"))
    tracemalloc.stop()
    after = Counter(type(o).__name__ for o in gc.get_objects())
    n = _projects(reports)
    grown = {name: (after[name] - before[name]) / n for name in after if after[name] - before[name] >= n // 10}
    return {"projects": n, "tracked_objects_per_project": round(sum(grown.values()), 1),
            "blocks_per_project": round(blocks / n, 1), "bytes_per_project": round(held / n),
            "by_type": {k: round(v, 1) for k, v in sorted(grown.items(), key=lambda kv: -kv[1])}}


def pickled(path: str) -> dict:
    from engine import api

    gc.disable()
    reports = api.load_facts([path])
    start = time.process_time()
    data = pickle.dumps(reports, protocol=pickle.HIGHEST_PROTOCOL)
    dumped = time.process_time()
    pickle.loads(data)
    loaded = time.process_time()
    n = _projects(reports)
    return {"projects": n, "pickle_bytes_per_project": round(len(data) / n), "dumps_s": round(dumped - start, 4),
            "loads_s": round(loaded - dumped, 4)}


if __name__ == "__main__":
    mode, folder, *more = sys.argv[1:]
    measure = {"cpu": cpu, "construct": construct, "evaluate": evaluate, "objects": objects, "pickle": pickled}[mode]
    print(json.dumps(measure(folder, *map(int, more)), ensure_ascii=False))

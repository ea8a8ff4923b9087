"""`perfaudit evaluate --jobs N`: department-year reports evaluated in N worker processes.

The result is the one a single process gives, byte for byte once rendered:
- files are partitioned by department, never split: engine/years.py links a department's reports
  across years, and a duplicate department-year must meet its twin in the same worker. The
  department is read from each file's `department:` line; that guess only balances the work. What
  the workers actually loaded is checked afterwards, and a department found in two partitions has
  them evaluated again together;
- each worker receives the compiled rules once (when it starts) and keeps one backend open for all
  its partitions;
- findings are sorted after merging (evaluate.merge), and findings of different reports never tie;
- when anything is wrong with the input, the parent runs the single-process path instead, so the
  error messages are exactly those of --jobs 1.
"""
from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor, as_completed

from .errors import InputError
from .evaluate import assemble, check_years, choose_backend, evaluate_reports, merge
from .facts import expand_paths, load_facts
from .gcpause import paused_gc

_DEPARTMENT = re.compile(r"^department:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
TASKS_PER_JOB = 4  # several partitions per worker, so that one large department does not leave a core idle

_worker: dict = {}


def department_of(text: str) -> str | None:
    """The top-level `department:` value as written, when it is a plain one-line scalar; None otherwise."""
    match = _DEPARTMENT.search(text)
    if not match:
        return None
    value = match.group(1)
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value or None


def partition(files, jobs: int) -> list[list]:
    """Files grouped by department, the groups packed into about jobs * TASKS_PER_JOB tasks of similar size."""
    groups: dict = {}
    sizes: dict = {}
    for path in files:
        try:
            data = path.read_bytes()
            key = department_of(data.decode("utf-8", errors="replace"))
        except OSError:
            data, key = b"", None
        key = key if key is not None else f"\0{path}"  # unreadable or unusual: on its own
        groups.setdefault(key, []).append(path)
        sizes[key] = sizes.get(key, 0) + len(data)
    count = max(1, min(len(groups), jobs * TASKS_PER_JOB))
    tasks: list[list] = [[] for _ in range(count)]
    loads = [0] * count
    for key in sorted(groups, key=lambda k: (-sizes[k], k)):  # largest first, then the least loaded task
        i = loads.index(min(loads))
        tasks[i].extend(groups[key])
        loads[i] += sizes[key]
    return [sorted(task) for task in tasks if task]


def _start_worker(program, backend: str) -> None:
    _worker.clear()
    _worker.update(program=program, backend=backend, engine=None)


def _engine():
    from .backends import make_backend

    if _worker["engine"] is None:
        name, notice = choose_backend(_worker["backend"])
        _worker["engine"] = make_backend(name, _worker["program"])
        _worker["notice"] = notice
    return _worker["engine"], _worker["notice"]


def _evaluate_task(files):
    """A partial Evaluation and the departments it covers, or None when the input has an error."""
    program = _worker["program"]
    with paused_gc():
        try:
            reports = load_facts(files)
            check_years(program, reports)
        except InputError:
            return None
        engine, notice = _engine()
        findings = evaluate_reports(program, reports, engine)
        part = assemble(program, reports, findings, engine.name, notice, "")
    return part, sorted({r.department for r in reports})


def _context():
    # fork starts workers in milliseconds and hands them the compiled program without pickling;
    # where it does not exist (Windows, macOS default) the platform's method is used
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def evaluate_in_parallel(program, paths, backend: str, jobs: int, facts_hash: str, progress=None):
    """The Evaluation of the facts under `paths`, or None when the caller must take the single-process path
    (input errors, or fewer than two files). progress: optional callable, called with a number of files done."""
    files, problems = expand_paths(paths)
    if problems or len(files) < 2:
        return None
    choose_backend(backend)  # an unavailable backend fails here, as it would in one process
    tasks = partition(files, jobs)
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=_context(),
                             initializer=_start_worker, initargs=(program, backend)) as pool:
        results = _run(pool, tasks, progress)
        if results is None:
            return None
        results = _rejoin_split_departments(pool, tasks, results)
        if results is None:
            return None
    return merge([part for part, _ in results], facts_hash)


def _run(pool, tasks, progress):
    futures = {pool.submit(_evaluate_task, task): i for i, task in enumerate(tasks)}
    results: list = [None] * len(tasks)
    for future in as_completed(futures):
        result = future.result()
        if result is None:
            for other in futures:
                other.cancel()
            return None
        results[futures[future]] = result
        if progress is not None:
            progress(len(tasks[futures[future]]))
    return results


def _rejoin_split_departments(pool, tasks, results):
    """Tasks that turned out to share a department, evaluated again as one (the header guess was wrong)."""
    owner: dict = {}
    parent = list(range(len(tasks)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, (_, departments) in enumerate(results):
        for department in departments:
            if department in owner:
                parent[root(i)] = root(owner[department])
            else:
                owner[department] = i
    joined: dict = {}
    for i in range(len(tasks)):
        joined.setdefault(root(i), []).append(i)
    if all(len(members) == 1 for members in joined.values()):
        return results
    out = []
    for members in joined.values():
        if len(members) == 1:
            out.append(results[members[0]])
            continue
        result = pool.submit(_evaluate_task, sorted(f for i in members for f in tasks[i])).result()
        if result is None:
            return None
        out.append(result)
    return out

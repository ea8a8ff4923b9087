"""`perfaudit evaluate`: facts evaluated department by department, in this process or in N workers (--jobs).

Loading a province's facts whole would hold every record in memory at once (about 2 GiB for
100,000 projects). Instead the files are partitioned by department and each partition is loaded,
evaluated and dropped in turn, keeping only its findings; with --jobs N the partitions go to N
worker processes. The result is the one of loading everything at once, byte for byte once rendered:
- a department is never split: engine/construct/years.py links a department's reports across years, and a
  duplicate department-year must meet its twin. The department is read from each file's
  `department:` line; that guess only groups the work. What was actually loaded is checked
  afterwards, and partitions that turn out to share a department are evaluated again together;
- each worker receives the compiled rules once (when it starts) and keeps one backend open for all
  its partitions;
- findings are sorted after merging (evaluate.merge), and findings of different reports never tie;
- when anything is wrong with the input, the caller loads everything at once instead
  (api.evaluate_paths), so error messages are exactly those of the whole-load path;
- no more workers than available CPUs (more only cost memory: 61 processes and 2.8 GB for --jobs 1000 on
  2 CPUs), and workers never outlive the command: they die with their parent (Linux: the kernel's parent-death
  signal; elsewhere a thread watching the parent id), leave Ctrl-C to it, and are killed when it stops early.
"""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import re
import time
from collections import Counter
from contextlib import suppress
from concurrent.futures import ProcessPoolExecutor, as_completed

from ..backends.choice import choose_backend, open_backend
from ..construct.facts import load_facts
from ..core.errors import InputError
from ..load.files import digest_of, file_sha256
from ..load.yamlsrc import MAX_FILE_BYTES
from .evaluate import assemble, evaluate_reports, merge
from .gcpause import paused_gc

_DEPARTMENT = re.compile(r"^department:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_DEPARTMENT_BYTES = re.compile(_DEPARTMENT.pattern.encode(), re.MULTILINE)
TASKS_PER_JOB = 4  # several partitions per worker, so that one large department does not leave a core idle
TASK_BYTES = 4 << 20  # at most about this much YAML per partition (about 3,000 projects): bounds the memory
TAIL_PARTS = 4  # each of the last `jobs` tasks cut in this many (pack)
# With the job count left to us (--jobs 0, the default), smaller inputs stay in one process: starting
# workers and sending findings back costs more than a second core saves below about 200 projects.
AUTO_PARALLEL_BYTES = 256 << 10


def available_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def auto_jobs(files) -> int:
    """--jobs 0: one process per available CPU, or one in all for a small input."""
    total = 0
    for path in files:
        with suppress(OSError):
            total += path.stat().st_size
    return available_cpus() if total >= AUTO_PARALLEL_BYTES else 1


HEAD_BYTES = 8 << 10  # where a report's `department:` line is looked for first (the top of a facts file)


def department_of_file(data: bytes) -> str | None:
    """department_of a facts file's bytes, decoding its head only unless the line is further down."""
    found = _department_in_head(data)
    if found is None and len(data) > HEAD_BYTES:
        found = department_of(data.decode("utf-8", errors="replace"))
    return found


def department_of_stream(stream, size: int) -> str | None:
    """department_of_file of an open file, reading past its head only when the line is not there (grouping a
    100,000-project corpus read all 216 MiB again). A file over the loader's limit is refused when loaded:
    its head alone places it."""
    data = stream.read(HEAD_BYTES + 1)  # one byte more: whether the head is the whole file
    found = _department_in_head(data)
    if found is None and len(data) > HEAD_BYTES and size <= MAX_FILE_BYTES:
        found = department_of((data + stream.read()).decode("utf-8", errors="replace"))
    return found


def _department_in_head(data: bytes) -> str | None:
    head = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES:
        head = head[:head.rfind(b"\n") + 1]  # whole lines only: a line cut short would give a name cut short
    # the line found in the bytes and only it decoded: what department_of finds in the decoded head (the same first
    # line: a line feed is a line feed in UTF-8, and no other byte decodes to one), without decoding 8 KB per file
    match = _DEPARTMENT_BYTES.search(head)
    return None if match is None else department_of(match.group(0).decode("utf-8", errors="replace"))


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


def department_groups(files, known: dict | None = None) -> list[tuple[int, list]]:
    """(bytes, files) of each department (by its files' `department:` line), largest first. known: path -> (size,
    department) of files already read (facts_read), not read again."""
    groups: dict = {}
    sizes = Counter()
    for path in files:
        try:
            size, key = known[path] if known and path in known else _size_and_department(path)
        except OSError:
            size, key = 0, None
        key = key if key is not None else f"\0{path}"  # unreadable or unusual: on its own
        groups.setdefault(key, []).append(path)
        sizes[key] += size
    return [(sizes[key], groups[key]) for key in sorted(groups, key=lambda k: (-sizes[k], k))]


def _size_and_department(path) -> tuple:
    # unbuffered: a buffered reader per file was a fifth of grouping 5,000 files (0.049-0.054 -> 0.040 s); a head read
    # short (not on a regular file) only misplaces the file, and what was loaded is checked (evaluate_by_department)
    with open(path, "rb", buffering=0) as stream:
        size = os.fstat(stream.fileno()).st_size
        return size, department_of_stream(stream, size)


def facts_read(path) -> tuple:
    """(SHA-256 as load.files.file_sha256 gives it, (size, department) as department_groups finds them) of a facts
    file read once: the cache keys on the first and groups by the second (each file was read twice)."""
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > MAX_FILE_BYTES:  # not read whole: refused when loaded
            return file_sha256(path), (size, department_of_stream(stream, size))
        data = stream.read()
    return hashlib.sha256(data).digest(), (len(data), department_of_file(data))


def partition(files, jobs: int) -> list[list]:
    """Files grouped by department, the groups packed into tasks of similar size: at least jobs * TASKS_PER_JOB
    tasks when there are several jobs, and none much larger than TASK_BYTES."""
    return [sorted(f for group in task for f in group) for task in pack(department_groups(files), jobs)]


def pack(groups, jobs: int) -> list[list]:
    """department_groups' (bytes, files), largest first, packed into tasks: lists of file lists, in the order the
    workers take them."""
    wanted = -(-sum(size for size, _ in groups) // TASK_BYTES)
    if jobs > 1:
        wanted = max(wanted, jobs * TASKS_PER_JOB)
    tasks = _spread(groups, max(1, min(len(groups), wanted)))
    if jobs > 1 and len(tasks) > jobs:
        # the last tasks cut smaller, so that the workers finish near together: at 100,000 projects (35 tasks
        # of about 0.5 s) one worker sat idle for 0.4 s while the other ran its last task
        tasks = tasks[:-jobs] + [part for task in tasks[-jobs:] for part in _spread(task, TAIL_PARTS)]
    return [[group for _, group in task] for task in tasks]


def _spread(groups, count: int) -> list[list]:
    """(bytes, files) groups, largest first, into at most `count` lists of similar bytes."""
    tasks: list[list] = [[] for _ in range(count)]
    loads = [0] * count
    for size, group in groups:  # largest first, into the least loaded task
        i = loads.index(min(loads))
        tasks[i].append((size, group))
        loads[i] += size
    return [task for task in tasks if task]


class _Partitions:
    """Evaluates partitions with one backend kept open: in this process, or as a worker's state."""

    def __init__(self, program, backend: str, fmt: str | None = None):
        self.program, self.backend, self.fmt = program, backend, fmt
        self.engine = self.notice = None
        self.spool = None  # a worker's streaming.appender() of the parent's spool, when it has one

    def evaluate(self, files):
        """A partial Evaluation and the departments it covers, or None when the input has an error.

        The collector is paused for the whole command (engine/run/gcpause.py), so a partition's records are
        freed by reference counting alone: loading and evaluating must leave no reference cycles
        (tests/test_jobs.py checks; a cycle kept 2.5 GiB alive at 100,000 projects)."""
        with paused_gc():
            try:
                reports = load_facts(files)
            except InputError:
                return None
            return self._result(reports, self._findings(reports))

    def evaluate_hashed(self, files):
        """evaluate(files), and the files' file_sha256 for the run's facts hash (load.files.digest_of): taken by the
        worker that loads them, they were 0.16 s of the parent's serial time before the first task at 100,000 projects
        (filing-day corpus); None as evaluate()."""
        result = self.evaluate(files)
        if result is None:
            return None
        try:
            return (*result, [file_sha256(path) for path in files])
        except OSError:  # gone since it was loaded: the whole load names it
            return None

    def _findings(self, reports) -> list:
        if self.engine is None:
            self.engine, self.notice = open_backend(self.backend, self.program)
        return evaluate_reports(self.program, reports, self.engine)

    def _result(self, reports, findings) -> tuple:
        """(the reports' partial Evaluation, the departments it covers)."""
        streamed = self.fmt is not None  # the findings leave this process as bytes, without project metrics
        part = assemble(self.program, reports, findings, self.engine.name, self.notice, "", metrics=not streamed)
        if streamed:
            from .streaming import render_part

            part = render_part(part, self.fmt)
        return part, sorted({r.department for r in reports})

    def evaluate_groups(self, groups):
        """Departments' files (engine/run/partcache.py) evaluated together, each department's result on its own:
        [(files, (RenderedPart, departments), storable)], or None when the input has an error. When the
        departments' files turn out to share a department, they come back as one result, not to be stored."""
        with paused_gc():
            try:
                loaded = [load_facts(group) for group in groups]
            except InputError:
                return None
            owner: dict = {}
            if any(owner.setdefault(r.department, i) != i for i, reports in enumerate(loaded) for r in reports):
                files = sorted(f for group in groups for f in group)
                result = self.evaluate(files)
                return None if result is None else [(files, result, False)]
            found: list = [[] for _ in groups]
            for finding in self._findings([r for reports in loaded for r in reports]):
                found[owner[finding.department]].append(finding)
            return [(group, self._result(reports, group_findings), True)
                    for group, reports, group_findings in zip(groups, loaded, found)]

    def close(self):
        if self.engine is not None:
            self.engine.close()


_worker: list = []  # a worker process's _Partitions


def _start_worker(program, backend: str, parent: int, fmt, spool: int | None = None) -> None:
    """spool: the file descriptor of the parent's spool (inherited: the workers are forked), when they are to append
    their blocks to it themselves."""
    _die_with_parent(parent)
    _worker[:] = [_Partitions(program, backend, fmt)]
    if spool is not None:
        from .streaming import appender

        _worker[0].spool = appender(spool)


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its parent: killed (SIGKILL, SIGTERM) the parent cannot shut the pool down, and
    the workers would wait on their pipe forever. Ctrl-C is the parent's to handle (it stops the workers)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (it unwinds the command, not a worker)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us when the parent dies
    except (OSError, AttributeError):  # not Linux: the watchdog below alone
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch():
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="perfaudit-parent-watch", daemon=True).start()


WATCH_SECONDS = 0.5


def _stop_workers(pool) -> None:
    """Now, not after the queued partitions: cancel them and end the workers (the command is being interrupted)."""
    # (no public way to these; shutdown forgets them)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join(5)
    # A worker killed while sending its result leaves half a message in the result pipe, and the pool's manager
    # thread, reading it, waits for the rest forever; the interpreter joins that thread at exit, so Ctrl-C hung
    # (2 runs in 40). With the parent's copy of the pipe's writing end closed too, it reads the end instead.
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()


def _evaluate_in_worker(files):
    partitions = _worker[0]
    result = partitions.evaluate_hashed(files)
    if result is not None and partitions.spool is not None:
        from .streaming import spooled

        result = (spooled(result[0], partitions.spool), *result[1:])
    return result


def _evaluate_groups_in_worker(groups):
    return _worker[0].evaluate_groups(groups)


def _context():
    # fork starts workers in milliseconds and hands them the compiled program without pickling;
    # where it does not exist (Windows) the platform's method is used
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def evaluate_by_department(program, files, backend: str, jobs: int, facts_hash: str | None, progress=None,
                           spool=None, cache=None):
    """The Evaluation of the facts `files` (expanded, without problems: api.evaluate_paths), or None when the
    caller must load everything at once (the input has an error). progress: optional callable, called with a
    number of files done. facts_hash: api.facts_digest(files) (given with a cache), or None: made of the hashes the
    workers take of the files they load.
    spool: a streaming.Spool (its format is spool.fmt) that receives each partition's findings, rendered,
    as it is done; the Evaluation returned then has no findings and no project metrics.
    cache: an engine.run.partcache.PartCache (streamed output only): departments whose files, rules and engine
    are unchanged are taken from it, the others evaluated and stored."""
    choose_backend(backend)  # an unavailable backend fails here, as it would in the whole-load path
    cpus = available_cpus()
    capped = f"提示: --jobs {jobs} 超过可用的 CPU 核数 {cpus},改用 {cpus} 个进程。" if jobs > cpus else ""
    jobs = auto_jobs(files) if jobs <= 0 else min(jobs, cpus)
    fmt = None if spool is None else spool.fmt
    keep = _keeping(spool)
    if cache is not None and spool is not None:
        cache.bind(program, backend, choose_backend(backend)[0], fmt)
        results = _cached(program, backend, jobs, files, cache, keep, progress, fmt)
        return None if results is None else _merged(results, facts_hash, capped)
    tasks = partition(files, jobs)

    def here(partitions):
        evaluate = lambda task: keep(partitions.evaluate_hashed(task))  # noqa: E731
        return _rejoin_split_departments(evaluate, tasks, _run(evaluate, tasks, progress))

    def in_pool(pool):
        results = _run_in_pool(pool, tasks, progress, keep)
        return _rejoin_split_departments(lambda task: keep(pool.submit(_evaluate_in_worker, task).result()),
                                         tasks, results)

    results = _in_processes(program, backend, fmt, jobs, tasks, here, in_pool,
                            None if spool is None or _context().get_start_method() != "fork" else spool.file.fileno())
    return None if results is None else _merged(results, facts_hash, capped)


def _in_processes(program, backend: str, fmt, jobs: int, tasks, here, in_pool, spool: int | None = None):
    """here(_Partitions) in this process (one job or one task), else in_pool(a pool of `jobs` workers), whose
    workers are stopped at once on any error (Ctrl-C, a signal, an error in a partition). spool: _start_worker's."""
    if not tasks:
        return []
    if jobs <= 1 or len(tasks) == 1:
        partitions = _Partitions(program, backend, fmt)
        try:
            return here(partitions)
        finally:
            partitions.close()

    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=_context(),
                             initializer=_start_worker, initargs=(program, backend, os.getpid(), fmt, spool)) as pool:
        try:
            return in_pool(pool)
        except BaseException:  # no worker finishes the queue
            _stop_workers(pool)
            raise


def _merged(results, facts_hash: str | None, capped: str):
    """results: (part, departments, and without facts_hash its files' hashes)."""
    if facts_hash is None:
        facts_hash = digest_of(digest for *_, hashes in results for digest in hashes)
    evaluation = merge([part for part, *_ in results], facts_hash)
    if capped:  # the CLI prints notices on stderr (they are not part of any output format)
        evaluation = dataclasses.replace(evaluation, notice="\n".join(filter(None, (capped, evaluation.notice))))
    return evaluation


def _cached(program, backend: str, jobs: int, files, cache, keep, progress, fmt):
    """evaluate_by_department's results with a cache: one per department, from the cache or evaluated
    (departments packed into tasks as without it, each department's result split off in the worker)."""
    digests = cache.digests  # every file's, from api.facts_digest
    groups = department_groups(files, cache.departments)
    units = []  # (files, kept result, cache key or None)
    missing = []
    for size, group in groups:
        key = cache.key(group, digests)
        entry = cache.get(key)
        value = None if entry is None else _from_entry(*entry)
        if value is None:
            if entry is not None:  # an entry whose head does not match its blocks: evaluated again
                cache.discard(key)
            missing.append((size, group))
        else:  # its blocks stay in the entry until the output is written (streaming.Spool)
            units.append((group, keep(value), None))
            if progress is not None:
                progress(len(group))

    def arrived(result):
        if result is None:
            return None
        for group, value, storable in result:
            key = cache.key(group, digests) if storable and _unchanged(group, digests) else None
            if key is not None:
                cache.put(key, *_to_entry(value))
            units.append((group, keep(value), key))
        if progress is not None:
            progress(sum(len(group) for group, _, _ in result))
        return True  # not the result: its bytes are in the spool now, and tasks' results are kept until the end

    tasks = pack(missing, jobs)
    done = _in_processes(program, backend, fmt, jobs, tasks,
                         lambda partitions: _run(lambda task: arrived(partitions.evaluate_groups(task)), tasks, None),
                         lambda pool: _run_in_pool(pool, tasks, None, arrived, _evaluate_groups_in_worker))
    if done is None:
        return None
    claimed = Counter(department for _, (_, departments), _ in units for department in departments)
    for _, (_, departments), key in units:  # a department in two results: evaluated again together, not stored
        if key is not None and any(claimed[d] > 1 for d in departments):
            cache.discard(key)
    partitions = _Partitions(program, backend, fmt)
    try:
        return _rejoin_split_departments(lambda task: keep(partitions.evaluate(task)),
                                         [files for files, _, _ in units], [result for _, result, _ in units])
    finally:
        partitions.close()
        cache.prune()


def _to_entry(value) -> tuple:
    """A department's (RenderedPart, departments) as a cache entry's head and blobs: its blocks' bytes are the
    blobs, stored as they are and read back when the output is written (engine/run/partcache.py)."""
    part, departments = value
    blocks = [(key, None, rows, counts) for key, _, rows, counts in part.blocks]
    return (dataclasses.replace(part, blocks=blocks), departments), [data for _, data, _, _ in part.blocks]


def _from_entry(head, blobs) -> tuple | None:
    """_to_entry's inverse, the blocks' bytes as the partcache.Blob places of the blobs; None when the entry is not
    one of ours."""
    try:
        part, departments = head
        if len(part.blocks) != len(blobs):
            return None
        blocks = [(key, data, rows, counts) for (key, _, rows, counts), data in zip(part.blocks, blobs)]
        return dataclasses.replace(part, blocks=blocks), departments
    except (TypeError, ValueError, AttributeError):
        return None


def _unchanged(files, digests: dict) -> bool:
    """The files still have the bytes the cache key was made of (one edited during the run is not stored)."""
    try:
        return all(file_sha256(path) == digests[path] for path in files)
    except OSError:
        return False


def _keeping(spool):
    """What the parent keeps of a partition's result: all of it, or (streamed output) its Evaluation without findings,
    project metrics or parameters tables (streaming.render_part), the findings' bytes going to the spool as soon as
    they arrive."""
    if spool is None:
        return lambda result: result
    return lambda result: None if result is None else (spool.add(result[0]), *result[1:])


def _run(evaluate, tasks, progress):
    results = []
    for task in tasks:
        result = evaluate(task)
        if result is None:
            return None
        results.append(result)
        if progress is not None:
            progress(len(task))
    return results


def _run_in_pool(pool, tasks, progress, keep=lambda result: result, work=_evaluate_in_worker):
    futures = {pool.submit(work, task): i for i, task in enumerate(tasks)}
    results: list = [None] * len(tasks)
    for future in as_completed(futures):
        result = future.result()
        i = futures.pop(future)  # a done future keeps its result: (streamed) every partition's bytes otherwise
        if result is None:
            for other in futures:
                other.cancel()
            return None
        results[i] = keep(result)  # a streamed partition's bytes go to the spool now
        del future, result
        if progress is not None:
            progress(len(tasks[i]))
    return results


def _rejoin_split_departments(evaluate, tasks, results):
    """Partitions that turned out to share a department, evaluated again as one (the header guess was wrong)."""
    if results is None:
        return None
    owner: dict = {}
    parent = list(range(len(tasks)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, (_, departments, *_) in enumerate(results):
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
        result = evaluate(sorted(f for i in members for f in tasks[i]))
        if result is None:
            return None
        out.append(result)
    return out

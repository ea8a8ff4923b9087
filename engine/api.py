"""The small Python API behind the CLI, for people who embed the engine.

    from engine import load_rules, load_facts, evaluate
    ruleset = load_rules("rules")
    reports = load_facts(["facts/2024"])
    result = evaluate(ruleset, reports)          # Evaluation with .findings (Finding dataclasses)
"""
from __future__ import annotations

import dataclasses

from .construct.compile import Program, compile_rules
from .construct.facts import load_facts as _load_facts
from .construct.rules import load_rules  # noqa: F401 (re-exported: the API's load_rules, raises InputError)
from .core.model import Report, RuleSet
from .load.files import digest_of, expand_paths, file_sha256
from .load.yamlsrc import FAST_PATHS
from .run.evaluate import Evaluation, prepare_findings
from .run.evaluate import evaluate as _evaluate
from .run.gcpause import paused_gc
from .run.operands import column_plan


def load_facts(paths, progress=None, fast: tuple = FAST_PATHS) -> list[Report]:
    """Load and validate facts files or folders; raises InputError.

    progress: optional callable, called with each file's path as it is read.
    fast: the YAML fast paths to try (engine/load/yamlsrc.py FAST_PATHS or fewer); the records are the same."""
    with paused_gc():
        return _load_facts(paths, progress, fast)


def facts_digest(paths, known: dict | None = None, departments: dict | None = None) -> str:
    """known: when given, filled with each file's SHA-256 (engine/run/partcache.py keys on them too); departments:
    when given, filled from the same read with each file's size and department line (run/parallel.py facts_read)."""
    files, _ = expand_paths(paths)
    known = {} if known is None else known
    if departments is None:
        known.update((f, file_sha256(f)) for f in files)
    else:
        from .run.parallel import facts_read

        # one thread: a pool of workers is forked next, and a thread still ending then (after join) can leave a
        # forked worker hung on tracemalloc's lock (CPython 3.11; seen in tests/test_cache.py under -n 2)
        for f in files:
            known[f], departments[f] = facts_read(f)
    return digest_of(known[f] for f in files)


def compile(ruleset: RuleSet | Program) -> Program:  # noqa: A001 - the stage's name
    """The program of `ruleset`, with what the evaluate stage runs built now rather than on its first call:
    every rule's column functions (operands.py) and finding plan (evaluate.py). They are cached by program
    outside it, so that a Program stays plain, picklable data; the compile stage cannot build them itself,
    since it comes before the evaluate stage (tests/test_import_contract.py)."""
    if isinstance(ruleset, Program):
        return ruleset
    program = compile_rules(ruleset)
    column_plan(program)
    prepare_findings(program)
    return program


def evaluate(ruleset: RuleSet | Program, reports, backend: str = "auto", facts_hash: str = "",
             progress=None) -> Evaluation:
    """Evaluate reports; backend is 'auto' (durable_rules where it imports), 'durable' or 'python'.

    progress: optional callable, called with each report once it has been evaluated."""
    program = compile(ruleset)
    with paused_gc():
        return _evaluate(program, list(reports), backend, facts_hash, progress)


def evaluate_paths(ruleset: RuleSet | Program, paths, backend: str = "auto", jobs: int = 0,
                   progress=None, stream: str | None = None, spool_folder=None, cache=None):
    """Load the facts files under `paths` and evaluate them: what `perfaudit evaluate` does.

    Departments are loaded and evaluated one partition at a time, in `jobs` processes (engine/run/parallel.py;
    0: one per available CPU, or one in all for a small input); the result equals evaluate(load_facts(paths)), and input errors are raised
    exactly as load_facts raises them. progress: optional callable, called with a number of units
    done, two per facts file (read, evaluated).

    stream: "json" or "csv" for a streaming.Streamed result instead (the findings rendered partition by
    partition into a spool file in spool_folder, none kept in memory); close() it when written.
    cache: an engine.run.partcache.PartCache, used with stream only: unchanged departments are not evaluated again."""
    from .backends import EngineError
    from .backends.choice import midrun_notice
    from .run.parallel import evaluate_by_department
    from .run.streaming import Spool, Streamed, streamed

    program = compile(ruleset)
    files, problems = expand_paths(paths)  # folders listed once here, not again by each step below
    digest, readable = None, True  # without a cache, the workers hash the files as they load them (run/parallel.py)
    if cache is not None:
        try:
            digest = facts_digest(files, cache.digests, cache.departments)
        except OSError:  # a listed file cannot be read (no permission, gone): load_facts below names it with the rest
            readable = False

    def by_department(engine, count, notice=None):
        # the whole-load path below raises the input's errors (or has nothing to load)
        if problems or not files or not readable:
            return None
        spool = None if stream is None else Spool(stream, spool_folder)
        result = None
        try:
            result = evaluate_by_department(program, files, engine, jobs, digest, count, spool, cache)
        finally:
            if spool is not None and result is None:
                spool.close()
        if result is not None and notice is not None:
            result = dataclasses.replace(result, notice=notice)
        return result if spool is None or result is None else Streamed(result, spool)

    try:
        result = by_department(backend, None if progress is None else (lambda files: progress(2 * files)))
    except EngineError as exc:
        # the workers' backends are gone: everything is evaluated again on the Python backend here (the files
        # already counted are not counted again); only durable_rules raises EngineError
        result = by_department("python", None, midrun_notice(backend, "durable", exc))
    if result is not None:
        return result
    step = None if progress is None else (lambda _: progress(1))
    reports = load_facts(paths, step)  # the input has an error: this raises it, with every other one
    result = evaluate(program, reports, backend, digest or facts_digest(files), step)
    return result if stream is None else streamed(result, stream, spool_folder)

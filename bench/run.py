"""Benchmark: perfaudit's stages at province scale, and a plain-Python loop over the same data.

    .venv/bin/python bench/run.py --projects 1000 10000 100000
    .venv/bin/python bench/run.py --projects 10000 --repeat 3 --jobs 2

For each size it generates deterministic reports in the real facts format (bench/generate.py) and
prints a table: load + validate, compile, evaluate on each backend (full shipped rule packs, and the
execution-rate / grading / indicator-review rules alone), render JSON, the CLI end to end, and peak
memory. Every measurement that reports memory runs in its own process (peak RSS from wait4). The
"durable_rules alone" row replays the fact texts our adapter asserted with nothing but durable_rules'
native calls: the ceiling of a durable-backed evaluate stage with our fact layout. The plain loop
implements the same eight rules by hand over the same loaded records; its findings are
compared with the engine's. The start-up of `perfaudit evaluate facts/2024` and the CLI's import
time are measured once. Numbers are wall-clock seconds, median of --repeat runs. Results and how to
read them: docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The rules the plain loop writes out by hand, chosen by id: their families have since gained rules the loop does not do.
LOOP_RULES = ("execution.below-warning-line", "execution.explanation-missing", "execution.over-budget",
              "grading.band-mismatch", "grading.unknown-grade-word", "grading.score-out-of-range",
              "indicator-review.target-exceeds-budget", "indicator-review.includes-other-departments")


# ---- the hand-written loop -----------------------------------------------------------------------

def plain_loop(reports, params_by_year: dict) -> set:
    """The execution-rate, grading and indicator-review rules written out by hand, exact Decimal arithmetic.

    Returns {(rule, department, project, subject, outcome)} like the engine's findings. It handles the
    generated data (every amount present), not the engine's general "cannot evaluate" logic.
    """
    from decimal import Decimal, localcontext

    to_wan = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}
    found = set()
    with localcontext() as ctx:
        ctx.prec = 34
        for report in reports:
            p = params_by_year[report.year]
            warning, explain, ratio = p["exec_warning_line"], p["exec_explain_line"], p["indicator_budget_ratio"]
            bands, vocabulary = p["grade_bands"], p["grade_vocabulary"]
            department = report.department
            for project in report.projects:
                name, budget, score = project.name, project.budget, project.score
                full_year, executed = budget.full_year, budget.executed
                if full_year > 0:
                    rate = executed / full_year
                    if rate < warning:
                        found.add(("execution.below-warning-line", department, name, name, "fired"))
                    if rate < explain and not budget.explanation:
                        found.add(("execution.explanation-missing", department, name, name, "fired"))
                if executed > full_year:
                    found.add(("execution.over-budget", department, name, name, "fired"))
                total, grade = score.total, score.grade
                if grade in vocabulary:
                    band = next((b["grade"] for b in bands if b["min"] <= total < b["max"]
                                 or (b.get("include_max") and total == b["max"])), None)
                    if band is None:
                        found.add(("grading.band-mismatch", department, name, name, "cannot-evaluate"))
                    elif band != vocabulary[grade]:
                        found.add(("grading.band-mismatch", department, name, name, "fired"))
                else:
                    found.add(("grading.unknown-grade-word", department, name, name, "fired"))
                if total < 0 or total > 100:
                    found.add(("grading.score-out-of-range", department, name, name, "fired"))
                for indicator in project.indicators:
                    target = indicator.target
                    if target is not None and target.value is not None:
                        factor = to_wan.get(target.unit)
                        if factor is not None and target.value * factor > full_year * ratio:
                            found.add(("indicator-review.target-exceeds-budget", department, name, indicator.name,
                                       "fired"))
                    if indicator.includes_tasks_of:
                        found.add(("indicator-review.includes-other-departments", department, name, indicator.name,
                                   "fired"))
    return found


# ---- measurements inside one worker process -----------------------------------------------------

class Clock:
    """`with clock(name):` stores wall seconds as name and CPU seconds of this process as name_cpu."""

    def __init__(self, out: dict):
        self.out = out

    def __call__(self, name: str):
        self.name = name
        return self

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        self.out[self.name] = time.perf_counter() - self.wall
        self.out[self.name + "_cpu"] = time.process_time() - self.cpu


def worker(facts_dir: str, backend: str, rules_dir: str, with_loop: bool) -> dict:
    """Time each stage in this process; the parent reads our peak RSS.

    The garbage collector stays paused throughout, as in `perfaudit evaluate` (engine/run/gcpause.py):
    otherwise the first collection after loading walks every record, and that cost would land on
    whichever stage allocates next (the plain loop showed 0.5 s at 10,000 projects for it)."""
    from engine.run.gcpause import paused_gc

    with paused_gc():
        return _stages(facts_dir, backend, rules_dir, with_loop)


def _stages(facts_dir: str, backend: str, rules_dir: str, with_loop: bool) -> dict:
    import dataclasses

    from engine import api
    from engine.render import render
    from engine.run.evaluate import params_for

    out = {}
    clock = Clock(out)
    with clock("load_rules"):
        ruleset = api.load_rules(rules_dir)
    with clock("load_validate"):
        reports = api.load_facts([facts_dir])
    with clock("compile"):
        program = api.compile(ruleset)
    with clock("evaluate"):
        evaluation = api.evaluate(program, reports, backend=backend)
    out["backend"] = evaluation.backend
    out["findings"] = len(evaluation.findings)
    out["rules"] = len(program.rules)
    with clock("render_json"):
        text = render("json", evaluation)
    out["json_bytes"] = len(text.encode())
    del text
    subset = dataclasses.replace(ruleset, rules=tuple(r for r in ruleset.rules if r.id in LOOP_RULES))
    sub_program = api.compile(subset)
    with clock("evaluate_loop_rules"):
        sub = api.evaluate(sub_program, reports, backend=backend)
    out["loop_rules"] = len(sub_program.rules)
    if with_loop:
        params = {r.year: params_for(ruleset, ruleset.scope_of(r)) for r in reports}  # one scope per year here
        with clock("plain_loop"):
            found = plain_loop(reports, params)
        engine_found = {(f.rule, f.department, f.project, f.subject, f.outcome) for f in sub.findings}
        out["loop_findings"] = len(found)
        out["loop_agrees"] = found == engine_found
    if backend == "durable":
        out.update(durable_alone(program, reports))
    out["projects"] = sum(len(r.projects) for r in reports)
    return out


def durable_alone(program, reports) -> dict:
    """The ceiling of any durable-backed evaluate with our fact layout: durable_rules' native calls alone.

    The fact texts our adapter asserts for the full rule packs are captured from one real run (the
    backend's `_assert_text` wrapped), then replayed on the same rulesets with nothing of ours in
    between: assert_fact, every action taken from the native queue (not run), retract_fact or delete_state.
    """
    from engine.backends.durable import _SHARED, SESSION, DurableBackend
    from engine.run.evaluate import evaluate_reports
    from engine.run.gcpause import paused_gc

    backend = DurableBackend(program)
    captured = []
    adapter_assert = backend._assert_text

    def capture(sid, text, ruleset=None):
        captured.append((backend._ruleset if ruleset is None else ruleset, sid, text))
        return adapter_assert(sid, text, ruleset)

    backend._assert_text = capture
    with paused_gc():
        evaluate_reports(program, reports, backend)
    del backend._assert_text
    native = backend._native
    assert_fact, delete_state, retract = native.assert_fact, native.delete_state, native.retract_fact
    start_action, complete_action = native.start_action_for_state, native.complete_and_start_action
    out = {}
    actions = 0
    shared = set()  # the rulesets whose facts went to their shared session (retracted one by one, deleted at the end)
    with Clock(out)("durable_alone"), paused_gc():
        for handle, sid, text in captured:
            try:
                result = assert_fact(handle, text)
            except Exception:  # noqa: BLE001 (error 303: the adapter re-asserts such a fact's subjects one by one, also captured)
                result = None
            if result is not None and result[0] == 0:
                started = start_action(handle, result[1])
                message = started[1] if started else None
                while message is not None:
                    actions += 1
                    message = complete_action(handle, result[1])
            if not text.startswith(_SHARED):
                delete_state(handle, sid)
                continue
            shared.add(handle)
            if result is not None and result[0] == 0:
                retract(handle, _SHARED + '"id":"' + sid + '"}')
        for handle in shared:
            delete_state(handle, SESSION)
    backend.close()
    out.update(durable_alone_facts=len(captured), durable_alone_actions=actions,
               durable_alone_bytes=sum(len(text) for _, _, text in captured))
    out.update(durable_six_rules(reports))
    return out


# The research baseline's shape (shared/research/engines-bench.md: "about 30,000/s on six simple rules"):
# one fact per project of a few precomputed properties, six rules of one or two tests against constants.
SIX_RULES = {
    "r1": {"m": {"$lt": {"rate": 0.6}}},
    "r2": {"m": {"$and": [{"$lt": {"rate": 0.9}}, {"explained": False}]}},
    "r3": {"m": {"$gt": {"gap": 0.0005}}},
    "r4": {"m": {"$neq": {"grade": {"$m": "band"}}}},
    "r5": {"m": {"$or": [{"$lt": {"score": 0}}, {"$gt": {"score": 100}}]}},
    "r6": {"m": {"$gt": {"executed": {"$m": "full"}}}},
}


def durable_six_rules(reports) -> dict:
    """durable_rules' native calls alone on one fact per project and the six-rule shape, for comparison."""
    from engine.run.gcpause import paused_gc

    def band(score):
        return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"

    texts = []
    for report in reports:
        for project in report.projects:
            budget, score = project.budget, project.score
            if not (budget.full_year and budget.executed is not None and score.total is not None and score.grade):
                continue
            rate = float(budget.executed / budget.full_year)
            fact = {"rate": rate, "explained": bool(budget.explanation),
                    "gap": abs(rate - float(budget.rate if budget.rate is not None else rate)),
                    "grade": score.grade[:1], "band": band(score.total), "score": float(score.total),
                    "executed": float(budget.executed), "full": float(budget.full_year)}
            texts.append(json.dumps(fact, ensure_ascii=False)[1:])
    from durable import engine as durable_engine

    native = durable_engine.durable_rules_engine
    handle = native.create_ruleset(f"six_rules_{os.getpid()}", json.dumps(
        {rule: {"all": [{"m": test["m"]}]} for rule, test in {**SIX_RULES, "warmup": {"m": {"g": 1}}}.items()},
        ensure_ascii=False))
    actions = [0]

    def replay(sid, text):
        result = native.assert_fact(handle, text)
        if result[0] == 0:
            started = native.start_action_for_state(handle, result[1])
            message = started[1] if started else None
            while message is not None:
                actions[0] += 1
                message = native.complete_and_start_action(handle, result[1])
        native.delete_state(handle, sid)

    replay("w", '{"sid":"w","g":1}')  # a first fact that matches (anchors.md: the warm-up)
    out = {}
    with Clock(out)("durable_six_rules"), paused_gc():
        for number, text in enumerate(texts):
            sid = str(number)
            replay(sid, '{"sid":"' + sid + '",' + text)
    out.update(durable_six_rules_facts=len(texts), durable_six_rules_actions=actions[0] - 1)
    return out


# ---- running and timing child processes ------------------------------------------------------------

def run_measured(argv, cwd=ROOT) -> tuple[float, int, str, float, int]:
    """(wall seconds, peak RSS in MiB, stdout, CPU seconds, peak summed RSS of it and its descendants in MiB) of one
    child process. The peak RSS from wait4 is the largest of the process and its waited children (an upper bound
    of each); the summed one is sampled (`_tree_kib`, every 0.1 s; 0 where /proc is missing)."""
    import threading

    t = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, done = [0], threading.Event()

    def sample():
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.stdout.read(), proc.stderr.read()
    finally:
        done.set()
        sampler.join()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss // 1024, stdout, usage.ru_utime + usage.ru_stime, peak[0] // 1024


def _tree_kib(root: int) -> int:
    """KiB resident now in `root` and its descendants (Linux /proc; 0 where it cannot be read)."""
    children: dict = {}
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return 0
    for pid in entries:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
        children.setdefault(parent, []).append(int(pid))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith(b"VmRSS:")), 0)
        except (OSError, ValueError):
            continue
    return total


def median_runs(argv, repeat: int) -> tuple[float, int, str, float, int]:
    runs = [run_measured(argv) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2],
            statistics.median(r[3] for r in runs), max(r[4] for r in runs))


def stage_worker(facts_dir, backend, rules_dir, with_loop, repeat) -> dict:
    argv = [sys.executable, __file__, "--worker", facts_dir, backend, rules_dir] + (["--with-loop"] if with_loop else [])
    results = []
    peak = 0
    for _ in range(repeat):
        _, rss, stdout, _, _ = run_measured(argv)
        results.append(json.loads(stdout))
        peak = max(peak, rss)
    merged = {}
    for key, value in results[0].items():
        if isinstance(value, float):
            merged[key] = statistics.median(r[key] for r in results)
        else:
            merged[key] = value
    merged["peak_rss_mib"] = peak
    return merged


# The CLI in a child process; afterwards it reports the peak RSS of its own worker processes too.
CLI_WITH_WORKER_RSS = """
import resource, sys
from engine.cli import main
sys.argv = ["perfaudit"] + sys.argv[1:]
try:
    main()
finally:
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(workers.ru_maxrss // 1024, workers.ru_utime + workers.ru_stime, file=sys.stdout)
"""


def cli_end_to_end(facts_dir, rules_dir, backend, jobs, repeat, workdir, extra=()) -> tuple:
    """(median wall seconds, peak RSS of the CLI process (or of a larger worker) and of the largest worker in MiB,
    CPU seconds of the CLI and its workers, peak of their summed RSS in MiB as sampled)."""
    out = Path(workdir) / f"findings-{backend}-{jobs}.json"
    argv = [sys.executable, "-c", CLI_WITH_WORKER_RSS, "evaluate", facts_dir, "--rules", rules_dir,
            "--backend", backend, "--format", "json", "-o", str(out), "--force", "--jobs", str(jobs), *extra]
    wall, rss, stdout, cpu, tree = median_runs(argv, repeat)  # wait4 counts the workers' CPU in the CLI's
    return wall, rss, int(stdout.split()[-2]), cpu, tree


def end_to_end_row(facts_dir, rules_dir, backend, jobs, repeat, workdir, n, prefix="") -> tuple:
    wall, rss, worker, cpu, tree = cli_end_to_end(facts_dir, rules_dir, backend, jobs, repeat, workdir)
    label = f"end to end{' ' + prefix if prefix else ': '}perfaudit evaluate --format json --backend {backend} --jobs {jobs}"
    return (label, fmt_s(wall), fmt_s(cpu), rate(n, wall), _memory(rss, jobs, worker, tree))


def _memory(rss: int, jobs: int, worker: int, tree: int) -> str:
    """The bounds wait4 gives (the CLI or a larger worker; the largest worker), and the sampled sum of all processes
    (issue 17's target is on that sum; the bounds' sum can pass it when no process reached its bound at once)."""
    bounds = f"{rss:,} MiB" if jobs == 1 else f"{rss:,} MiB + {jobs} x {worker:,} MiB"
    return f"{bounds}; all {tree:,} MiB" if tree else bounds


def changed_with_cache_row(facts_dir, rules_dir, backend, jobs, repeat, workdir, n) -> tuple:
    """End to end after one department's file changed, with --cache filled by a run before: each repeat changes
    the file differently, so that each is the one-department re-evaluation (issue 17: < 2 s at 100,000)."""
    import shutil

    cache = Path(workdir) / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    extra = ("--cache", str(cache))
    cli_end_to_end(facts_dir, rules_dir, backend, jobs, 1, workdir, extra)
    runs = []
    for run in range(repeat):
        with one_file_changed(facts_dir, f" {run}"):
            runs.append(cli_end_to_end(facts_dir, rules_dir, backend, jobs, 1, workdir, extra))
    shutil.rmtree(cache, ignore_errors=True)
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[3] for r in runs)
    label = f"end to end after one department's file changed, with --cache: --backend {backend} --jobs {jobs}"
    return (label, fmt_s(wall), fmt_s(cpu), rate(n, wall),
            _memory(max(r[1] for r in runs), jobs, max(r[2] for r in runs), max(r[4] for r in runs)))


@contextmanager
def one_file_changed(facts_dir, mark=""):
    """One department's facts file edited (a comment added: new bytes, new facts hash) for the block, then restored."""
    first = min(Path(facts_dir).rglob("*.yaml"))
    text = first.read_bytes()
    first.write_bytes(text + f"# changed for the benchmark{mark}\n".encode())
    try:
        yield
    finally:
        first.write_bytes(text)


def bench_million(args, workdir: Path, projects: int = 1_000_000) -> str:
    """End to end only (the stage rows load everything in one process): generated into workdir, deleted after."""
    import shutil

    from bench.generate import widen_jurisdictions, write_corpus

    facts_dir = workdir / f"facts-{projects}"
    t = time.perf_counter()
    paths = write_corpus(facts_dir, projects, seed=args.seed)
    generated = time.perf_counter() - t
    size = sum(p.stat().st_size for p in paths)
    try:
        rules_dir = str(widen_jurisdictions(args.rules, workdir / f"rules-{projects}"))
        from engine.backends import durable_available

        rows = []
        for backend in ("python", "durable")[:2 if durable_available()[0] else 1]:
            rows.append(end_to_end_row(str(facts_dir), rules_dir, backend, args.jobs, args.repeat, workdir, projects))
            _drop_outputs(workdir)  # 6 GiB each at 1,000,000 projects: the next run needs room for its own and a spool
        with one_file_changed(facts_dir):
            rows.append(end_to_end_row(str(facts_dir), rules_dir, "python", args.jobs, args.repeat, workdir, projects,
                                       "after one department's file changed: "))
    finally:
        shutil.rmtree(facts_dir, ignore_errors=True)
        _drop_outputs(workdir)
    head = (f"== {projects:,} projects: {len(paths):,} facts files, {size / 1048576:,.1f} MiB of YAML "
            f"(generated in {generated:.1f} s, deleted after) ==")
    return "\n".join([head, table(rows), ""])


def _drop_outputs(workdir: Path) -> None:
    for output in workdir.glob("findings-*.json"):
        output.unlink()


def startup(rules_dir: str, runs: int) -> dict:
    perfaudit = Path(sys.executable).parent / "perfaudit"
    command = [str(perfaudit)] if perfaudit.exists() else [sys.executable, "-m", "engine"]
    argv = command + ["evaluate", str(ROOT / "facts" / "2024"), "--rules", rules_dir]
    walls = [run_measured(argv)[0] for _ in range(runs)]
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import engine.cli"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    total = next((us for us, name in rows if name.strip() == "engine.cli"), 0)
    heavy = {name.strip(): us for us, name in rows if name.strip() in ("jsonschema", "durable.engine", "yaml", "click")}
    return {"wall_median": statistics.median(walls), "wall_min": min(walls), "runs": runs,
            "import_engine_cli_ms": total / 1000, "heavy_imports_ms": {k: v / 1000 for k, v in heavy.items()}}


# ---- report ------------------------------------------------------------------------------------

def fmt_s(seconds) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def rate(projects, seconds) -> str:
    return f"{projects / seconds:,.0f}" if seconds > 0 else "-"


def table(rows) -> str:
    header = ("measurement", "wall", "CPU", "projects/s", "peak RSS")
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(5)]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def bench_size(projects: int, args, workdir: Path) -> str:
    from bench.generate import widen_jurisdictions, write_corpus

    facts_dir = workdir / f"facts-{projects}"
    t = time.perf_counter()
    paths = write_corpus(facts_dir, projects, seed=args.seed)
    generated = time.perf_counter() - t
    size = sum(p.stat().st_size for p in paths)
    # the local packs widened to the generated city, so that every rule runs as on the 杜集区 report
    rules_dir = str(widen_jurisdictions(args.rules, workdir / f"rules-{projects}"))
    py = stage_worker(str(facts_dir), "python", rules_dir, True, args.repeat)
    from engine.backends import durable_available

    durable, why = durable_available()
    du = stage_worker(str(facts_dir), "durable", rules_dir, False, args.repeat) if durable else None
    n = py["projects"]
    mib = lambda r: f"{r['peak_rss_mib']:,} MiB"  # noqa: E731

    def stage(label, r, key, per_project=True):
        return (label, fmt_s(r[key]), fmt_s(r[key + "_cpu"]), rate(n, r[key]) if per_project else "", "")

    with_durable = du is not None
    rows = [
        stage("load + validate (facts files -> records)", py, "load_validate"),
        ("load rules + compile", fmt_s(py["load_rules"] + py["compile"]),
         fmt_s(py["load_rules_cpu"] + py["compile_cpu"]), "", ""),
        stage(f"evaluate, python backend, {py['rules']} rules", py, "evaluate"),
        with_durable and stage(f"evaluate, {du['backend']} backend, {du['rules']} rules", du, "evaluate"),
        stage(f"evaluate, python backend, {py['loop_rules']} rules (the plain loop's)", py, "evaluate_loop_rules"),
        with_durable and stage(f"evaluate, {du['backend']} backend, {du['loop_rules']} rules (the plain loop's)",
                               du, "evaluate_loop_rules"),
        with_durable and stage(f"durable_rules alone: native calls on our {du['durable_alone_facts']:,} facts of "
                               f"{du['rules']} rules", du, "durable_alone"),
        with_durable and stage(f"durable_rules alone, research shape: 6 rules, one fact per project "
                               f"({du['durable_six_rules_facts']:,} facts)", du, "durable_six_rules"),
        stage(f"plain-Python loop, same {py['loop_rules']} rules", py, "plain_loop"),
        stage("render JSON", py, "render_json", per_project=False),
        ("all stages in one process, python backend", "", "", "", mib(py)),
        with_durable and (f"all stages in one process, {du['backend']} backend", "", "", "", mib(du)),
    ]
    rows = [row for row in rows if row]  # the durable_rules rows where it imports
    main_backend = "durable" if du is not None else "python"  # where durable_rules does not import (Python 3.13)
    for jobs in sorted({1, args.jobs}):
        for backend in ("durable", "python") if args.e2e_python and du is not None else (main_backend,):
            rows.append(end_to_end_row(str(facts_dir), rules_dir, backend, jobs, args.repeat, workdir, n))
    with one_file_changed(facts_dir):
        rows.append(end_to_end_row(str(facts_dir), rules_dir, main_backend, args.jobs, args.repeat, workdir, n,
                                   "after one department's file changed: "))
    rows.append(changed_with_cache_row(str(facts_dir), rules_dir, "python", args.jobs, args.repeat, workdir, n))
    loop = py["plain_loop_cpu"]
    ratios = (f"engine / plain loop on the same rules (CPU): python backend {py['evaluate_loop_rules_cpu'] / loop:,.0f}x"
              + (f", {du['backend']} {du['evaluate_loop_rules_cpu'] / loop:,.0f}x" if du is not None else "")
              + f" slower; loop findings {py['loop_findings']:,}, same as the engine's: "
              f"{'yes' if py['loop_agrees'] else 'NO'}")
    if du is None:
        ceiling = f"durable_rules rows left out: it does not import here ({why})"
    else:
        ceiling = (f"durable_rules alone = assert_fact + actions taken from its queue ({du['durable_alone_actions']:,}) "
                   f"+ retract_fact or delete_state on the {du['durable_alone_facts']:,} fact texts "
                   f"({du['durable_alone_bytes'] / 1048576:,.1f} MiB) our adapter asserted, nothing of ours: the ceiling "
                   f"of a durable-backed evaluate with this fact layout, {rate(n, du['durable_alone_cpu'])} projects/s "
                   f"on CPU; the durable evaluate stage costs {du['evaluate_cpu'] / du['durable_alone_cpu']:,.1f}x "
                   f"that CPU. The research shape: {du['durable_six_rules_actions']:,} findings, "
                   f"{rate(n, du['durable_six_rules_cpu'])} projects/s on CPU")
    head = (f"== {n:,} projects: {len(paths):,} facts files, {size / 1048576:,.1f} MiB of YAML "
            f"(generated in {generated:.1f} s); {py['findings']:,} findings, JSON {py['json_bytes'] / 1048576:,.1f} MiB ==")
    return "\n".join([head, table(rows), ratios, ceiling, ""])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="perfaudit benchmark (docs/performance.md)")
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is shown")
    parser.add_argument("--jobs", type=int, default=2, help="also run the CLI end to end with --jobs N")
    parser.add_argument("--e2e-python", action="store_true", help="also run the CLI end to end on the python backend")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the generated facts here")
    parser.add_argument("--million", type=int, nargs="?", const=1_000_000, default=None, metavar="PROJECTS",
                        help="also run the CLI end to end on 1,000,000 (or PROJECTS) generated projects: about "
                             "1.5 GiB of YAML in the work folder while it runs, deleted after; several minutes")
    parser.add_argument("--worker", nargs=3, metavar=("FACTS", "BACKEND", "RULES"), help=argparse.SUPPRESS)
    parser.add_argument("--with-loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, with_loop=args.with_loop)))
        return
    print(f"perfaudit benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat {args.repeat}; "
          f"wall and CPU seconds (CPU includes --jobs workers), median of the repeats\n")
    if args.startup_runs:
        s = startup(str(args.rules), args.startup_runs)
        heavy = ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(s["heavy_imports_ms"].items())) or "none"
        print(f"start-up: perfaudit evaluate facts/2024: median {s['wall_median']:.3f} s, best {s['wall_min']:.3f} s "
              f"over {s['runs']} runs; import engine.cli {s['import_engine_cli_ms']:.0f} ms "
              f"(python -X importtime); heavy modules imported at start-up: {heavy}\n")
    with tempfile.TemporaryDirectory(prefix="perfaudit-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for projects in args.projects:
            print(bench_size(projects, args, workdir), flush=True)
        if args.million:
            print(bench_million(args, workdir, args.million), flush=True)


if __name__ == "__main__":
    main()

"""`perfaudit evaluate --cache DIR` (engine/run/partcache.py): the same bytes cold, warm and without it; only changed
departments evaluated again; never reused across a rule edit; bad entries and an unusable folder only cost time."""
from __future__ import annotations

import os
import shutil

import pytest

from bench.generate import write_corpus
from engine.cli import cli
from engine.run import parallel
from engine.run.partcache import PartCache, read_blob

from .conftest import RULES

STREAMED = ("csv", "json")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Eight departments over two years, four projects a department (each run costs a fifth of bench/'s 20)."""
    root = tmp_path_factory.mktemp("cached-facts")
    write_corpus(root, 32, seed=11, years=(2023, 2024), per_department=4)
    return root


def run(runner, corpus, *args, rules=RULES):
    result = runner.invoke(cli, ["evaluate", str(corpus), "--rules", str(rules), "--backend", "python", *args])
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.fixture(scope="module")
def uncached(corpus):
    """format -> the bytes of evaluating the corpus without a cache (the reference), run once per module."""
    from click.testing import CliRunner

    done = {}

    def get(fmt):
        if fmt not in done:
            done[fmt] = run(CliRunner(), corpus, "--format", fmt).stdout_bytes
        return done[fmt]

    return get


def entries(cache):
    return sorted(cache.glob("*/*.part"))


@pytest.fixture
def evaluated(monkeypatch):
    """The departments' files each cached run evaluated (in this process: --jobs 1)."""
    calls = []
    real = parallel._Partitions.evaluate_groups

    def spy(self, groups):
        calls.extend(groups)
        return real(self, groups)

    monkeypatch.setattr(parallel._Partitions, "evaluate_groups", spy)
    return calls


@pytest.mark.parametrize("fmt", STREAMED)
def test_cold_warm_and_no_cache_give_the_same_bytes(runner, corpus, uncached, tmp_path, fmt, evaluated):
    plain = uncached(fmt)
    cache = tmp_path / "cache"
    for jobs in ("1", "2"):
        assert run(runner, corpus, "--format", fmt, "--jobs", jobs, "--cache", str(cache)).stdout_bytes == plain
    assert len(entries(cache)) == 8 and len(evaluated) == 8  # --jobs 1 cold: every department; --jobs 2: none
    evaluated.clear()
    assert run(runner, corpus, "--format", fmt, "--jobs", "1", "--cache", str(cache)).stdout_bytes == plain
    assert evaluated == []


def test_the_cache_folder_can_come_from_the_environment(runner, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFAUDIT_CACHE", str(tmp_path / "cache"))
    run(runner, corpus, "--format", "json")
    assert len(entries(tmp_path / "cache")) == 8
    run(runner, corpus, "--format", "text")  # not a cached format: no notice either when the folder comes from there


def test_only_the_changed_department_is_evaluated_again(runner, corpus, tmp_path, evaluated):
    facts = tmp_path / "facts"
    shutil.copytree(corpus, facts)
    cache = tmp_path / "cache"
    run(runner, facts, "--format", "json", "--jobs", "1", "--cache", str(cache))
    changed = sorted(facts.rglob("*.yaml"))[3]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("executed: ", "executed: 1", 1), encoding="utf-8")
    evaluated.clear()
    warm = run(runner, facts, "--format", "json", "--jobs", "1", "--cache", str(cache)).stdout_bytes
    department = changed.stem
    assert evaluated and {p.stem for group in evaluated for p in group} == {department}
    assert warm == run(runner, facts, "--format", "json").stdout_bytes


def test_a_parameter_edit_is_a_miss(runner, corpus, tmp_path, evaluated):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    cache = tmp_path / "cache"
    before = run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache), rules=rules).stdout_bytes
    parameters = rules / "parameters.yaml"
    text = parameters.read_text(encoding="utf-8")
    edited = text.replace("value: 0.1\n", "value: 0.05\n", 1)  # proportional_tolerance
    assert edited != text
    parameters.write_text(edited, encoding="utf-8")
    evaluated.clear()
    after = run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache), rules=rules).stdout_bytes
    assert len(evaluated) == 8 and len(entries(cache)) == 16
    assert after == run(runner, corpus, "--format", "json", rules=rules).stdout_bytes != before


def test_truncated_corrupt_and_missing_entries_are_evaluated_again(runner, corpus, tmp_path, evaluated):
    cache = tmp_path / "cache"
    plain = run(runner, corpus, "--format", "csv", "--jobs", "1", "--cache", str(cache)).stdout_bytes
    first, second, third = entries(cache)[:3]
    first.write_bytes(first.read_bytes()[:-10])
    data = bytearray(second.read_bytes())
    data[-5] ^= 0xFF
    second.write_bytes(bytes(data))
    third.unlink()
    evaluated.clear()
    assert run(runner, corpus, "--format", "csv", "--jobs", "1", "--cache", str(cache)).stdout_bytes == plain
    assert len(evaluated) == 3 and len(entries(cache)) == 8
    evaluated.clear()
    assert run(runner, corpus, "--format", "csv", "--jobs", "1", "--cache", str(cache)).stdout_bytes == plain
    assert evaluated == []  # rewritten whole


@pytest.mark.parametrize("make", ["file", "shared"])
def test_an_unusable_folder_is_a_notice_and_the_run_goes_on(runner, corpus, uncached, tmp_path, make):
    plain = uncached("json")
    cache = tmp_path / "cache"
    if make == "file":
        cache.write_text("not a folder")
    else:
        cache.mkdir()
        cache.chmod(0o777)  # others could plant entries (pickles): not used
    result = run(runner, corpus, "--format", "json", "--cache", str(cache))
    assert result.stdout_bytes == plain
    assert "本次不使用缓存" in result.stderr and "Traceback" not in result.stderr
    assert not cache.is_dir() or entries(cache) == []


def test_departments_that_share_a_name_across_files_are_not_stored(runner, corpus, uncached, tmp_path, monkeypatch):
    # every file on its own: a department's two years arrive apart, are evaluated again together, not stored
    plain = uncached("json")
    monkeypatch.setattr(parallel, "department_of", lambda text: None)
    cache = tmp_path / "cache"
    for jobs in ("1", "2", "2"):
        assert run(runner, corpus, "--format", "json", "--jobs", jobs, "--cache", str(cache)).stdout_bytes == plain
    assert entries(cache) == []


def test_the_least_recently_used_entries_go_first(tmp_path):
    cache = PartCache(tmp_path, max_bytes=0)
    for key in ("aa1", "aa2", "aa3"):
        cache.put(key, {"head": key}, [b"x" * 1000, b"y"])
    for age, key in enumerate(("aa1", "aa2", "aa3")):
        os.utime(cache._path(key), (1_000_000 + age, 1_000_000 + age))
    head, blobs = cache.get("aa1")  # used now: the newest
    assert head == {"head": "aa1"} and [read_blob(b) for b in blobs] == [b"x" * 1000, b"y"]
    size = os.stat(cache._path("aa1")).st_size
    cache.max_bytes = size  # room for one
    cache.prune()
    assert [p.stem for p in entries(tmp_path)] == ["aa1"]


def test_a_cold_cached_run_keeps_no_rendered_findings_in_the_parent(ruleset, monkeypatch, tmp_path):
    """As without the cache (tests/test_streaming.py): the parent's traced memory stays far below the output."""
    import tracemalloc

    from engine import api
    from engine.io import output
    from engine.run.partcache import open_cache

    facts = tmp_path / "facts"
    write_corpus(facts, 1500, seed=5)
    monkeypatch.setattr(parallel, "TASK_BYTES", 100_000)
    monkeypatch.setattr(output.Stream, "BUFFER", 1 << 16)
    start_worker = parallel._start_worker
    monkeypatch.setattr(parallel, "_start_worker", lambda *a: tracemalloc.stop() or start_worker(*a))
    cache, _ = open_cache(tmp_path / "cache")
    target = tmp_path / "findings.json"
    program = api.compile(ruleset)
    tracemalloc.start()
    try:
        result = api.evaluate_paths(program, [facts], backend="python", jobs=2, stream="json",
                                    spool_folder=tmp_path, cache=cache)
        with output.Stream(str(target)) as out:
            result.write(out.write)
        result.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(entries(tmp_path / "cache")) == 75
    assert peak < target.stat().st_size / 3, (peak, target.stat().st_size)


def test_an_entry_that_is_not_a_department_is_evaluated_again(runner, corpus, tmp_path, evaluated):
    """An entry that checks out but whose head does not describe its blocks (another tool's, or an older layout
    under the same name) is a miss, deleted and written anew, never a traceback."""
    cache = tmp_path / "cache"
    plain = run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache)).stdout_bytes
    first, second = entries(cache)[:2]
    store = PartCache(cache, 1 << 30)
    store.put(first.stem, {"not": "a department"}, [b"x"])
    store.put(second.stem, ("a", "b", "c"))
    evaluated.clear()
    result = run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache))
    assert result.stdout_bytes == plain and "Traceback" not in result.stderr
    assert len(evaluated) == 2
    evaluated.clear()
    assert run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache)).stdout_bytes == plain
    assert evaluated == []


def test_a_change_anywhere_in_the_engine_is_another_key(tmp_path):
    """The renderers write the cached bytes, so their source is part of the key, not only the run stage's."""
    from engine.run import partcache

    assert (partcache.ENGINE_ROOT / "render" / "json_report.py").is_file()
    copy = tmp_path / "engine"
    shutil.copytree(partcache.ENGINE_ROOT, copy)
    # the fingerprint is made anew here (the cached one may predate an edit made while the suite runs)
    assert partcache.source_digest(copy) == partcache.engine_fingerprint.__wrapped__()
    renderer = copy / "render" / "csv_report.py"
    renderer.write_bytes(renderer.read_bytes() + b"\n")
    assert partcache.source_digest(copy) != partcache.source_digest(partcache.ENGINE_ROOT)


@pytest.fixture(scope="module")
def filled(corpus, tmp_path_factory):
    """A cache filled by one --jobs 1 JSON run over the corpus, and that run's bytes (copied by each test using it)."""
    from click.testing import CliRunner

    cache = tmp_path_factory.mktemp("filled") / "cache"
    return cache, run(CliRunner(), corpus, "--format", "json", "--jobs", "1", "--cache", str(cache)).stdout_bytes


def copied(filled, tmp_path):
    return shutil.copytree(filled[0], tmp_path / "cache"), filled[1]


def _damaged_in_the_middle(entry):
    """One byte of an entry's blocks changed (its head, read first, still checks out)."""
    data = bytearray(entry.read_bytes())
    data[len(data) - 700] ^= 0xFF
    entry.write_bytes(bytes(data))


@pytest.mark.parametrize("to_file", [True, False])
def test_a_damaged_block_never_reaches_the_output(runner, corpus, filled, tmp_path, evaluated, to_file):
    """Cached blocks are copied straight from their entries into an output file and checked as they go: a bad one
    drops the file written so far and the run is done again; standard output gets them checked before its first
    byte. Either way the department is evaluated again and its entry written anew."""
    cache, plain = copied(filled, tmp_path)
    damaged = entries(cache)[4]
    _damaged_in_the_middle(damaged)
    evaluated.clear()
    target = tmp_path / "out.json"
    output = ("-o", str(target)) if to_file else ()
    result = run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache), *output)
    assert (target.read_bytes() if to_file else result.stdout_bytes) == plain
    assert len(evaluated) == 1 and damaged.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".perfaudit-")] == []  # no temporary left


def test_an_entry_gone_after_its_head_was_read_is_evaluated_again(runner, corpus, filled, tmp_path, evaluated,
                                                                   monkeypatch):
    """Another run's pruning may delete an entry between the head and the blocks: the run is done again."""
    cache, plain = copied(filled, tmp_path)
    gone = entries(cache)[2]
    real = PartCache.get

    def get_then_delete(self, key):
        found = real(self, key)
        if key == gone.stem and gone.is_file():
            gone.unlink()
        return found

    monkeypatch.setattr(PartCache, "get", get_then_delete)
    evaluated.clear()
    target = tmp_path / "out.json"
    run(runner, corpus, "--format", "json", "--jobs", "1", "--cache", str(cache), "-o", str(target))
    assert target.read_bytes() == plain and len(evaluated) == 1


def test_cached_blocks_are_read_only_when_written(ruleset, corpus, filled, tmp_path, monkeypatch):
    """A hit reads its entry's head, not its blocks, and the blocks are not copied into the spool on their way to an
    output file (each was read whole, checked, unpickled, spooled and read back: about 1.5 s at 100,000 projects)."""
    from engine import api
    from engine.io import output
    from engine.run import partcache, streaming
    from engine.run.partcache import open_cache

    program = api.compile(ruleset)
    cache, _ = open_cache(copied(filled, tmp_path)[0])
    evaluate = lambda: api.evaluate_paths(program, [corpus], backend="python", jobs=1, stream="json",  # noqa: E731
                                          spool_folder=tmp_path, cache=cache)
    reads = []
    monkeypatch.setattr(streaming, "read_blob", lambda blob: reads.append(blob) or partcache.read_blob(blob))
    result = evaluate()
    try:
        assert reads == [] and result.spool.end == 0
        with output.Stream(str(tmp_path / "out.json")) as out:
            result.write(out.write, rewritable=True)
    finally:
        result.close()
    assert len(reads) == len(result.spool.index) > 8 and result.spool.end == 0


def test_a_file_changed_during_the_run_is_not_stored(runner, corpus, tmp_path, monkeypatch):
    """An entry is keyed by the hash of its files taken at the start: a file edited while its department is evaluated
    would be stored under the old bytes' key."""
    facts = tmp_path / "facts"
    shutil.copytree(corpus, facts)
    edited = sorted(facts.rglob("*.yaml"))[0]
    real = parallel._Partitions.evaluate_groups

    def edit_while_evaluating(self, groups):
        if any(edited in group for group in groups):
            edited.write_bytes(edited.read_bytes() + b"# edited\n")
        return real(self, groups)

    monkeypatch.setattr(parallel._Partitions, "evaluate_groups", edit_while_evaluating)
    cache = tmp_path / "cache"
    run(runner, facts, "--format", "json", "--jobs", "1", "--cache", str(cache))
    assert len(entries(cache)) == 7


def test_a_head_longer_than_the_first_read_is_read_on(tmp_path):
    from engine.run import partcache

    cache = PartCache(tmp_path, max_bytes=1 << 30)
    head = {"reports": [f"{n}" + "部门" * 50 for n in range(partcache.HEAD_READ // 100)]}
    cache.put("bb1", head, [b"blocks"])
    assert os.stat(cache._path("bb1")).st_size > 2 * partcache.HEAD_READ
    found, blobs = cache.get("bb1")
    assert found == head and [read_blob(b) for b in blobs] == [b"blocks"]
    data = open(cache._path("bb1"), "rb").read()
    open(cache._path("bb1"), "wb").write(data[:-1])  # cut short: a miss, deleted
    assert cache.get("bb1") is None and not os.path.exists(cache._path("bb1"))

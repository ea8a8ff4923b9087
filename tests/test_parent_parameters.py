"""The parent of a streamed evaluation keeps one parameters table per distinct set of values, not one unpickled
copy per department (memory that would grow with the corpus: about 7 KB a department)."""
from __future__ import annotations

from bench.generate import write_corpus
from engine import api
from engine.run import parallel


def test_departments_with_the_same_values_share_one_table(ruleset, tmp_path, monkeypatch):
    facts = tmp_path / "facts"
    write_corpus(facts, 300, seed=7)
    monkeypatch.setattr(parallel, "TASK_BYTES", 50_000)  # several partitions, each unpickled on its own
    program = api.compile(ruleset)
    result = api.evaluate_paths(program, [facts], backend="python", jobs=2, stream="json", spool_folder=tmp_path)
    try:
        tables = [values for _, values in result.evaluation.parameters]
    finally:
        result.close()
    assert len(tables) > 3
    assert len({id(t) for t in tables}) == len({repr(t) for t in tables})

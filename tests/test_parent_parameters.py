"""The parent of a streamed evaluation keeps no parameters tables or evidence formats: the JSON and CSV documents do
not print them, and a table per department is memory that grows with the corpus (about 7 KB a department). Nor do
cache entries carry them (each was unpickled and compared per department: 0.6 s at 100,000 projects)."""
from __future__ import annotations

from bench.generate import write_corpus
from engine import api
from engine.run import parallel


def test_a_streamed_evaluation_keeps_no_parameters_tables(ruleset, tmp_path, monkeypatch):
    facts = tmp_path / "facts"
    write_corpus(facts, 100, seed=7)
    monkeypatch.setattr(parallel, "TASK_BYTES", 50_000)  # several partitions, each unpickled on its own
    program = api.compile(ruleset)
    assert api.evaluate(program, api.load_facts([facts]), backend="python").parameters  # there are some to drop
    result = api.evaluate_paths(program, [facts], backend="python", jobs=2, stream="json", spool_folder=tmp_path)
    try:
        assert result.evaluation.parameters == () and result.evaluation.evidence_formats == ()
        assert len(result.evaluation.reports) > 3
    finally:
        result.close()

"""bench/judge_hacks.py's schema and constructor measurements run on a tiny corpus (no timing asserted)."""
from __future__ import annotations

from bench import judge_hacks
from bench.generate import generate

from .conftest import RULES


def test_judge_hacks_prints_its_rows(tmp_path, capsys):
    for relative, text in generate(45, seed=3, years=(2024,)):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    judge_hacks.schema_check(str(tmp_path), None)
    judge_hacks.constructors(str(tmp_path), str(RULES), calls=1000)
    out = capsys.readouterr().out
    assert "yes/no check over 3 documents" in out and "fastschema" in out
    for row in ("Finding", "FactCitation"):
        assert row in out
    made = out.split("the corpus makes ")[1].split()
    assert int(made[0]) > 0 and int(made[2]) > 0 and made[1] == "Findings,"

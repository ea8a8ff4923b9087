"""Measurements behind docs/performance.md "Hacks judged again": is a library now as good as our hack?

    .venv/bin/python bench/generate.py --projects 10000 --out /tmp/facts
    .venv/bin/python bench/judge_hacks.py /tmp/facts [RULES_DIR]

jsonschema-rs and msgspec are not dependencies: install them to get their rows (`pip install jsonschema-rs
msgspec`). Prints the differential of jsonschema-rs against jsonschema on the mutated documents of
tests/test_fast_paths.py and on Decimal edge values, the yes/no check's CPU over the corpus, and the cost of
each constructor bypass against the plain constructor with the number of objects the corpus makes.
"""
from __future__ import annotations

import statistics
import sys
import time
import timeit
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EDGES = [Decimal("0"), Decimal("2024.0"), Decimal("-1E-30"), Decimal("1000000000.0000000000000001"), Decimal("1e400"),
         Decimal("NaN"), Decimal("Infinity"), 10**30, 2**64, -2**63 - 1, 1.5, 2024.0, True]
BOUNDS = [{"type": "number", "minimum": 0}, {"type": "number", "maximum": 1000000000}, {"type": "number"},
          {"type": "integer", "minimum": 1990, "maximum": 2100}]


def outcome(check, value):
    try:
        return check(value)
    except Exception as exc:  # noqa: BLE001 - jsonschema raises on NaN bounds: that is the answer to report
        return type(exc).__name__


def differential(jsonschema_rs) -> None:
    import jsonschema

    import tests.test_fast_paths as corpus
    from engine.load.validate import schema

    for bound in BOUNDS:
        slow, fast = jsonschema.Draft202012Validator(bound).is_valid, jsonschema_rs.validator_for(bound).is_valid
        for value in EDGES:
            if outcome(slow, value) != outcome(fast, value):
                print(f"  differs: {bound} {value!r}: jsonschema {outcome(slow, value)}, jsonschema-rs {outcome(fast, value)}")
    for name, texts in (("facts", corpus.SHIPPED + corpus.GENERATED[:6]), ("rules", corpus.RULE_FILES)):
        slow = jsonschema.Draft202012Validator(schema(name)).is_valid
        fast = jsonschema_rs.validator_for(schema(name)).is_valid
        count = differ = 0
        for text in texts:
            document = corpus.slow_document(text)[0].data
            for mutated in [document, *corpus.schema_mutations(document, 150, len(text))]:
                count += 1
                differ += slow(mutated) != outcome(fast, mutated)
        print(f"  {name}: {count} mutated documents, {differ} disagreements")


def median_cpu(function, items, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            function(item)
        times.append(time.process_time() - start)
    return statistics.median(times)


def as_floats(x):
    """The cheapest fix-up walk there is: the document rebuilt with floats for Decimals."""
    kind = type(x)
    if kind is dict:
        return {k: as_floats(v) for k, v in x.items()}
    if kind is list:
        return [as_floats(v) for v in x]
    return float(x) if kind is Decimal else x


def schema_check(facts_dir: str, jsonschema_rs) -> None:
    from engine.load.fastschema import compile_schema
    from engine.load.validate import schema
    from engine.load.yamlsrc import load_yaml_file

    documents = [load_yaml_file(path)[0].data for path in sorted(Path(facts_dir).rglob("*.yaml"))]
    rows = [("fastschema", compile_schema(schema("facts"))), ("walk alone (Decimal -> float)", as_floats)]
    if jsonschema_rs is not None:
        rs = jsonschema_rs.validator_for(schema("facts")).is_valid
        rows += [("jsonschema-rs as loaded", rs), ("jsonschema-rs after the walk", lambda d: rs(as_floats(d)))]
    print(f"yes/no check over {len(documents)} documents, CPU median of 5:")
    for label, check in rows:
        print(f"  {label:32s} {median_cpu(check, documents) * 1000:7.1f} ms")


def constructors(facts_dir: str, rules_dir: str, calls: int = 100_000) -> None:
    """calls: constructor calls per timing (best of 5)."""
    from engine import api
    from engine.core.findings import FactCitation, Finding
    from engine.run.gcpause import paused_gc

    new, put = object.__new__, object.__setattr__

    def finding_bypass(a, b, c, d, e, f, g, h, i, j, k, m, n, o):  # as evaluate.make_finding: a dict display
        finding = new(Finding)
        put(finding, "__dict__", {"rule": a, "title": b, "family": c, "severity": d, "outcome": e, "department": f,
                                  "year": g, "project": h, "subject_kind": i, "subject": j, "message": k,
                                  "evidence": m, "citations": n, "parameters": o})
        return finding

    def citation_bypass(*values):
        citation = new(FactCitation)
        put(citation, "__dict__", {"file": values[0], "line": values[1], "section": values[2], "field": values[3],
                                   "kind": "fact"})
        return citation

    finding_args = ("r", "t", "f", "s", "o", "d", 2024, "p", "k", "s", "m", (), (), ())
    rows = [("Finding", Finding, finding_bypass, finding_args),
            ("FactCitation", FactCitation, citation_bypass, ("f", 3, "s", "x"))]
    print("constructor, ns each (best of 5): plain / bypass")
    for label, plain, bypass, args in rows:
        costs = [min(timeit.repeat(lambda f=f: f(*args), number=calls, repeat=5)) * 1e9 / calls for f in (plain, bypass)]
        print(f"  {label:14s} {costs[0]:6.0f} / {costs[1]:6.0f}")
    with paused_gc():
        reports = api.load_facts([facts_dir])
        evaluation = api.evaluate(api.compile(api.load_rules(rules_dir)), reports, backend="python")
    citations = {id(c) for f in evaluation.findings for c in f.citations if isinstance(c, FactCitation)}
    print(f"  the corpus makes {len(evaluation.findings)} Findings, {len(citations)} FactCitations")


def main() -> None:
    facts_dir = sys.argv[1]
    rules_dir = sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "rules")
    try:
        import jsonschema_rs
    except ImportError:
        jsonschema_rs = None
        print("jsonschema-rs not installed: its rows are left out")
    if jsonschema_rs is not None:
        print("jsonschema-rs against jsonschema:")
        differential(jsonschema_rs)
    schema_check(facts_dir, jsonschema_rs)
    constructors(facts_dir, rules_dir)


if __name__ == "__main__":
    main()

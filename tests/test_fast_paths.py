"""The speed-ups of docs/performance.md change nothing but speed.

Each fast path is compared with the reference it replaces, on the shipped facts and rules, on
generated reports, and on thousands of deterministic mutations of them:
- libyaml composing (yamlsrc._fast_document) against the pure-Python composer: same data, same
  line and column for every value and key, and never "fast" where the slow path reports a problem;
- the compiled yes/no schema check (engine/load/fastschema.py) against jsonschema;
- the evaluate stage's operands (engine/run/operands.py, columns) against the scalar closures subject by subject,
  through both backends.
"""
from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

import engine.load.yamlsrc as Y
from bench.generate import generate
from engine import compile, evaluate, load_facts
from engine.load.fastschema import compile_schema
from engine.load.validate import schema
from engine.render import render
from engine.run.subjects import subjects_of

from .conftest import BACKENDS, FACTS, FACTS_2024, ROOT, RULES, needs_durable
from .row_reference import leaf_values

# six files of 4 projects (the default is 20): the same shapes, a fifth of the text to mutate and validate
GENERATED = [text for _, text in generate(24, seed=11, years=(2023, 2024), per_department=4)]
# the published examples (facts format v2: nulls, dashes, nested lists of mappings) with the seed's facts
SHIPPED = [p.read_text(encoding="utf-8") for folder in (FACTS, ROOT / "examples" / "facts")
           for p in sorted(folder.rglob("*.yaml"))]
RULE_FILES = [p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*.yaml"))]
PIECES = [" ", "  ", "\n", ":", ": ", "- ", "'", '"', "#", "[", "]", "{", "}", ",", "?", "|", ">", "-", "!", "%",
          "@", "`", "\\", "中", "，", "\t", "\r\n", "\r", "...", "\n---\n", "0o17", "1_000", "+1", ".5", "1.", "yes",
          "~", "2024-01-01", "'a''b'", '"\\u4e2d"', "!!int ", "&a ", "*a", "<<: ", "\ufeff", "\x85", "\u2028",
          "[a, b]", "{k: v}", "x: [1, {y: z}]\n", "k:\n", "- \n", "|-\n  t\n", "\x07"]


def slow_document(text):
    return Y.load_yaml_text(text, "f.yaml", fast=())


def mutations(texts, count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 1500))
        text = text[start:start + 1500] if rng.random() < 0.5 else text
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(text))
            roll = rng.random()
            if roll < 0.45:
                text = text[:pos] + rng.choice(PIECES) + text[pos:]
            elif roll < 0.75:
                text = text[:pos] + text[pos + rng.randint(1, 6):]
            else:
                lines = text.split("\n")
                i = rng.randrange(len(lines))
                lines[i] = " " * rng.randint(0, 3) + lines[i].lstrip()
                text = "\n".join(lines)
        yield text


def test_libyaml_takes_the_shipped_and_generated_files():
    # the fast path must actually be taken where it matters, or the benchmark measures nothing
    if Y._FAST_LOADER is None:
        pytest.skip("PyYAML was built without libyaml")
    for text in SHIPPED + GENERATED:
        fast = Y._fast_document(text, "f.yaml")
        slow, problems = slow_document(text)
        assert problems == [] and fast is not None
        assert (fast.data, fast.marks, fast.key_marks) == (slow.data, slow.marks, slow.key_marks)
    # rule files mostly contain "*" (multiplication), which the fast path leaves to PyYAML with aliases
    for text in RULE_FILES:
        fast = Y._fast_document(text, "f.yaml")
        if fast is not None:
            slow = slow_document(text)[0]
            assert (fast.data, fast.marks, fast.key_marks) == (slow.data, slow.marks, slow.key_marks)


@pytest.mark.parametrize("seed", range(4))
def test_libyaml_agrees_with_pure_python_on_mutated_files(seed):
    fast_taken = 0
    for text in mutations(SHIPPED + GENERATED + RULE_FILES, 600, seed):
        if not text.strip():
            continue
        fast = Y._fast_document(text, "f.yaml")
        if fast is None:
            continue
        fast_taken += 1
        slow, problems = slow_document(text)
        assert problems == [], repr(text[:300])
        assert fast.data == slow.data and repr(fast.data) == repr(slow.data), repr(text[:300])
        assert fast.marks == slow.marks and fast.key_marks == slow.key_marks, repr(text[:300])
    assert fast_taken > 30  # not vacuous: v2 examples in the corpus break more often under mutation


@pytest.mark.parametrize("text", [
    "a: 1\tb\n", "a:\n  - x\n  -\n", "? \n", "k: |#\n  t\n", "k: [a?b]\n", "\ufeffk: v\n", "k: v\x85w\n",
    "k: &a v\nj: *a\n", "k: v\u2028w\n", "k:\n", "- \n",
])
def test_texts_libyaml_reads_differently_take_the_slow_path(text):
    assert Y._fast_document(text, "f.yaml") is None


def schema_mutations(document, count, seed):
    rng = random.Random(seed)
    values = [None, True, 0, -1, 1.5, Decimal("-3"), Decimal("1e10"), "", "x", "75.5%", "７５％", [], {}, ["a"], {"k": 1},
              2024, 1900, "优", "产出-数量", "万元", Decimal("99.99"), "—", "无", "元"]

    def containers(node, out):
        if isinstance(node, dict):
            out.append(node)
            for v in node.values():
                containers(v, out)
        elif isinstance(node, list):
            out.append(node)
            for v in node:
                containers(v, out)
        return out

    for _ in range(count):
        doc = copy.deepcopy(document)
        for _ in range(rng.randint(1, 3)):
            target = rng.choice(containers(doc, []))
            if isinstance(target, dict) and target:
                key = rng.choice(sorted(target))
                roll = rng.random()
                if roll < 0.3:
                    del target[key]
                elif roll < 0.5:
                    target[key + rng.choice(["x", "_", "s"])] = copy.deepcopy(target[key])
                else:
                    target[key] = copy.deepcopy(rng.choice(values))
            elif isinstance(target, list):
                if target and rng.random() < 0.5:
                    target[rng.randrange(len(target))] = copy.deepcopy(rng.choice(values))
                else:
                    target.append(copy.deepcopy(rng.choice(values)))
        yield doc


# one generated report, not six: each repeats one shape twenty times, and its mutations cost ten times those of a
# shipped file (deep copies and whole-document validation); the shipped files carry the variety
@pytest.mark.parametrize("name, texts", [("facts", SHIPPED + GENERATED[:1]), ("rules", RULE_FILES)])
def test_fast_schema_check_agrees_with_jsonschema(name, texts):
    check = compile_schema(schema(name))
    assert check is not None, "the shipped schema uses a keyword engine/load/fastschema.py does not implement"
    validator = jsonschema.Draft202012Validator(schema(name))
    valid = invalid = 0
    for text in texts:
        document = slow_document(text)[0].data
        assert check(document) and validator.is_valid(document)
        for mutated in schema_mutations(document, 90, len(text)):
            expected = validator.is_valid(mutated)
            assert check(mutated) == expected, mutated
            valid += expected
            invalid += not expected
    assert valid > 20 and invalid > 200, (valid, invalid)


def test_unknown_keywords_are_left_to_jsonschema():
    assert compile_schema({"type": "object", "unevaluatedProperties": False}) is None
    assert compile_schema({"$dynamicRef": "#x"}) is None
    assert compile_schema({"type": "string", "format": "date"}) is None


@pytest.fixture(scope="module")
def all_reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast-paths")
    # 200 projects in departments of 5: every (rule, outcome) pair the 400 projects of seed 13 gave, at half the cost
    for relative, text in generate(100, seed=21, years=(2023, 2024), per_department=5):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_facts([FACTS_2024]) + load_facts([root])


def test_both_backends_give_the_reference_bytes(ruleset, all_reports):
    """evaluate() with columns and skipped conditions renders exactly what a loop over subjects renders, every leaf
    computed by the scalar closures and decided by the Python backend's `outcomes`."""
    import sys

    from engine.backends import FIRED, UNKNOWN, make_backend

    E = sys.modules["engine.run.evaluate"]
    program = compile(ruleset)
    engine = make_backend("python", program)
    findings = []
    for report in all_reports:
        params = E.params_for(ruleset, ruleset.scope_of(report))
        for subject in subjects_of(report):
            rules = program.for_subject(subject.kind, program.ruleset.scope_of(report))
            if rules:
                outcomes = engine.outcomes(subject, [(c, leaf_values(c, subject, params)) for c in rules])
                findings += [E.make_finding(ruleset, c, subject, params, outcomes[c.rule.id]) for c in rules
                             if outcomes[c.rule.id] in (FIRED, UNKNOWN)]
    reference = render("json", E.assemble(program, all_reports, findings, "python", "", ""))
    for backend in BACKENDS:
        assert render("json", evaluate(program, all_reports, backend=backend)) == reference, backend


def test_generated_reports_are_schema_valid_facts(tmp_path):
    for relative, text in generate(45, seed=1):
        path = Path(tmp_path) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    reports = load_facts([tmp_path])
    assert [len(r.projects) for r in reports] == [20, 20, 5]
    assert all(len(p.indicators) == 6 for r in reports for p in r.projects)


@needs_durable
def test_indicators_sharing_durable_facts_get_their_own_outcomes(ruleset, tmp_path):
    """Slots: 0, 1, 7 and 12 indicators per project, some without a target or with other departments' tasks,
    so that facts are full, partly filled and single; every subject's findings equal its own fact's."""
    from decimal import localcontext

    from engine.backends.durable import DurableBackend
    from engine.backends.python import PythonBackend
    from engine.run.evaluate import params_for
    from engine.run.operands import rule_batches

    from .factsfile import D, indicator, project, write_facts

    def indicators(n):
        return [indicator(f"指标{i}", target=None if i % 4 == 3 else f"≤{5 + 10 * i}万元",
                          includes_tasks_of=["宣传部"] if i % 5 == 1 else ()) for i in range(n)]

    write_facts(tmp_path, [project(f"项目{n}", full_year=D("50.00"), executed=D("40.00"), total=D("91"), grade="优",
                                   indicators=indicators(n)) for n in (0, 1, 7, 12)])
    [report] = load_facts([tmp_path])
    program = compile(ruleset)
    backend = DurableBackend(program)
    assert max(g.slots for g in backend.finding_groups["indicator"]) > 1
    params = params_for(ruleset, ruleset.scope_of(report))
    with localcontext() as ctx:
        ctx.prec = 34
        batches = rule_batches(program, [report], params, ruleset.scope_of(report))
    together = {(batches[d.batch].compiled.rule.id, batches[d.batch].subjects[d.row].key, d.outcome)
                for d in backend.decide_batches(batches)}
    alone, python = set(), set()
    seen = set()
    indicators_seen = 0
    for subject in subjects_of(report):
        rules = program.for_subject(subject.kind, program.ruleset.scope_of(report))
        if not rules:
            continue
        indicators_seen += subject.kind == "indicator"
        items = [(c, leaf_values(c, subject, params)) for c in rules]
        for found, outcomes in ((alone, backend.outcomes(subject, items)),
                                (python, PythonBackend(program).outcomes(subject, items))):
            seen.update(outcomes.values())
            found.update((rule, subject.key, o) for rule, o in outcomes.items() if o in ("fired", "cannot-evaluate"))
    assert together == alone == python
    assert indicators_seen == 20
    assert {"fired", "passed", "not-applicable"} <= seen


def random_json(rng, depth=0):
    roll = rng.random()
    if depth > 4 or roll < 0.45:
        return rng.choice([None, True, False, 0, -7, 10 ** 20, 1.5, -0.0, 1e-7, 1e300, float("inf"), float("nan"),
                           "", "中文“引号”", 'quote " and \\ backslash', "tab\tnew\nline\u2028", "\x00\x1f\x7f",
                           "emoji 😀", "ascii"])
    if roll < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.8:
        return tuple(random_json(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    keys = ["k", "键", "", 'q"', 1, 2.5, True, False, None]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_jsontext_writes_what_json_dumps_writes():
    import json

    from engine.render.jsontext import Items, dumps

    rng = random.Random(5)
    for _ in range(3000):
        value = random_json(rng)
        assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
        listed = [random_json(rng) for _ in range(rng.randint(0, 3))]
        assert dumps({"a": Items(len(listed), iter(listed)), "b": 1}) == json.dumps(
            {"a": listed, "b": 1}, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        dumps({"x": Decimal(1)})


def test_json_report_is_json_dumps_of_the_findings(ruleset, all_reports):
    import json

    from engine.core.version import VERSION
    from engine.render.json_report import finding_dict, summary_dict

    evaluation = evaluate(compile(ruleset), all_reports, backend="python", facts_hash="abc")
    document = {"findings": [finding_dict(f) for f in evaluation.findings], "summary": summary_dict(evaluation),
                "run": {"rules_hash": evaluation.rules_hash, "facts_hash": "abc", "version": VERSION}}
    assert render("json", evaluation) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def test_finding_text_is_the_finding_dict_encoded():
    """json_report.finding_text splices pieces it encoded once; every shape of a finding gives encode(finding_dict)."""
    from engine.core.findings import FactCitation, Finding, ParameterUse, PolicyCitation
    from engine.render.json_report import FINDING_LEVEL, finding_dict, finding_text
    from engine.render.jsontext import encode

    rng = random.Random(7)
    texts = ["", "a", '引"号\\', "\u2028 新\n行", "😀"]
    policy = PolicyCitation("src", rng.choice([None, "文号"]), "标题", "一", "", "verified", None, "http://x")
    facts = [FactCitation(rng.choice(texts), rng.randint(0, 10**6), rng.choice(texts), rng.choice(texts))
             for _ in range(6)]
    parameters = (ParameterUse("p", "参数", Decimal("0.7"), 2024, (policy,)), ParameterUse("q", "", None, 2023, ()))
    values = [None, True, False, 0, 7, Decimal("1.50"), Decimal("-0"), Decimal("1E+3"), Decimal("1E-20"), "", "x",
              '"', [Decimal(1), None, "a"], [], ("a", ["b"])]
    memo: dict = {}
    for _ in range(2000):
        finding = Finding(rng.choice(["r.a", "r.b"]), rng.choice(texts), rng.choice(texts),
                          rng.choice(["info", "error"]), rng.choice(["fired", "cannot-evaluate"]), rng.choice(texts), rng.choice([2024, 2025]),
                          rng.choice([None, *texts]), rng.choice(["project", "indicator"]), rng.choice(texts),
                          rng.choice(texts),
                          tuple((rng.choice(texts) + str(i), rng.choice(values)) for i in range(rng.randint(0, 3))),
                          tuple(rng.sample([policy, *facts], rng.randint(0, 4))),
                          rng.choice([(), parameters]))
        assert finding_text(finding, memo) == encode(finding_dict(finding), FINDING_LEVEL)



def test_subexpressions_computed_once_per_finding_trace_the_same_facts(ruleset, all_reports):
    """A rule's evidence restating its condition's predicate is traced once per finding (evaluate._shared_nodes,
    closures.compile_traced's shared): every value, fact (in order) and parameter as tracing each anew, for the
    fixture rules and for an evidence that keeps the items a condition's `any` ruled out (their facts replayed)."""
    from decimal import localcontext

    import engine.run.evaluate as E
    from engine.expr import ast as A
    from engine.expr.closures import MEMO, compile_traced
    from engine.expr.parser import parse
    from engine.run.subjects import subjects_of

    predicate = "present(i.target.value) and i.actual.value < i.target.value and i.target.unit == i.actual.unit"
    extra = [parse(f"any({predicate} for i in project.indicators)"),
             parse(f"list(i.name for i in project.indicators if not ({predicate}))")]
    program = compile(ruleset)
    plans = [(c.rule.subject, [n for n in [leaf.node for leaf in c.leaves] + [n for _, n in c.evidence]
                               if any(isinstance(x, A.Comprehension) for x in A.walk(n))]) for c in program.rules]
    plans = [(kind, nodes, E._shared_nodes(nodes)) for kind, nodes in plans + [("project", extra)]]
    plans = [plan for plan in plans if plan[2]]
    assert len(plans) > 5 and "project" in {kind for kind, *_ in plans}
    for report in all_reports[::4]:  # a quarter of them: every plan meets subjects whose replays carry facts
        params = E.params_for(ruleset, ruleset.scope_of(report))
        for subject in subjects_of(report):
            for kind, nodes, shared in plans:
                if kind != subject.kind:
                    continue
                results = []
                for closures in ([compile_traced(n) for n in nodes], [compile_traced(n, shared) for n in nodes]):
                    scope, facts, used = E.closure_scope(subject, params, None, {}), [], []
                    scope[MEMO] = {}
                    with localcontext() as ctx:
                        ctx.prec = 34
                        results.append(([repr(c(scope, facts, used)) for c in closures], facts, used))
                assert results[0] == results[1], (kind, subject.key)

"""The column-wise evaluate stage (engine/expr/columns.py, operands.rule_batches, backends/python.decide_batches,
evaluate.make_finding with traced closures) computes exactly what the per-subject references compute.

References: Evaluator per subject (values, compared by repr so Decimal vs int shows), operands.rule_batches_by_row,
PythonBackend.decide_batches_by_row, evaluate.make_finding_reference (Evaluator with a Trace).
"""
from __future__ import annotations

import sys
import tempfile
from decimal import Decimal, localcontext
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate
from engine import compile, load_facts
from engine.backends import FIRED, UNKNOWN
from engine.backends.python import PythonBackend
from engine.expr import parse
from engine.expr.columns import Frame, compile_column
from engine.expr.evaluate import Evaluator
from engine.operands import rule_batches, rule_batches_by_row
from engine.subjects import subjects_by_kind, subjects_of

from .conftest import ROOT
from .factsfile import D, claim, indicator, project, write_facts

E = sys.modules["engine.evaluate"]


def rule_nodes(compiled):
    nodes = [leaf.node for leaf in compiled.leaves]
    nodes += [n for leaf in compiled.leaves if leaf.op is not None for n in (leaf.left, leaf.right)]
    return nodes + [node for _, node in compiled.evidence]


def same(a, b) -> bool:
    return repr(a) == repr(b)


def check_reports(program, reports) -> dict:
    """Every reference comparison on `reports`; returns counts, so callers can show the check was not vacuous."""
    ruleset = program.ruleset
    backend = PythonBackend(program)
    counts = {"values": 0, "decisions": 0, "findings": 0}
    for year in sorted({r.year for r in reports}):
        group = [r for r in reports if r.year == year]
        params = E.params_for(ruleset, year)
        by_kind = subjects_by_kind(group)
        expected_kinds: dict = {}
        for report in group:
            for subject in subjects_of(report):
                expected_kinds.setdefault(subject.kind, []).append(subject)
        assert {k: [s.__dict__ for s in v[0]] for k, v in by_kind.items()} == \
            {k: [s.__dict__ for s in v] for k, v in expected_kinds.items()}
        for kind, (subjects, roots) in by_kind.items():
            for name, column in roots.items():
                assert len(column) == len(subjects)
                assert all(value is s.scope[name] for value, s in zip(column, subjects))
            frame = Frame.of_subjects(subjects, params, Decimal(year), roots)
            for compiled in program.for_subject(kind, year):
                for node in rule_nodes(compiled):
                    with localcontext() as ctx:
                        ctx.prec = 34
                        got = compile_column(node)(frame)
                    assert len(got) == len(subjects)
                    for value, subject in zip(got, subjects):
                        expected = Evaluator(subject.scope, params, year).eval(node)
                        assert same(value, expected), (compiled.rule.id, subject.key, node)
                        counts["values"] += 1
        with localcontext() as ctx:
            ctx.prec = 34
            batches = rule_batches(program, group, params, year)
            reference = rule_batches_by_row(program, group, params, year)
        assert [(b.compiled.rule.id, [s.key for s in b.subjects]) for b in batches] == \
            [(b.compiled.rule.id, [s.key for s in b.subjects]) for b in reference]
        for batch, ref in zip(batches, reference):
            assert repr(batch.columns) == repr([tuple(side) for side in ref.columns]), batch.compiled.rule.id
        decisions = backend.decide_batches(batches)
        assert decisions == backend.decide_batches_by_row(reference)
        counts["decisions"] += len(decisions)
        for batch in batches:  # every subject explained both ways, whatever its outcome
            for subject in batch.subjects:
                for outcome in (FIRED, UNKNOWN):
                    fast = E.make_finding(ruleset, batch.compiled, subject, params, outcome, {})
                    slow = E.make_finding_reference(ruleset, batch.compiled, subject, params, outcome, {})
                    assert fast == slow and repr(fast) == repr(slow), (batch.compiled.rule.id, subject.key)
                    counts["findings"] += 1
    return counts


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


def load_generated(projects: int, seed: int, years=(2023, 2024)):
    with tempfile.TemporaryDirectory() as folder:
        for relative, text in generate(projects, seed=seed, years=years):
            path = Path(folder) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return load_facts([folder])


def test_shipped_facts(program):
    counts = check_reports(program, load_facts([ROOT / "facts"]))
    assert counts["values"] > 1000 and counts["decisions"] > 20 and counts["findings"] > 1000


def test_generated_facts(program):
    counts = check_reports(program, load_generated(45, seed=3))
    assert counts["values"] > 10000 and counts["decisions"] > 50


# within the facts schema (0 to 10^9, at most 20 digits); Frame-level tests below go beyond it
amounts = st.one_of(st.none(), st.just(D("0")), st.just(0), st.integers(min_value=0, max_value=300),
                    st.decimals(min_value=0, max_value=500, places=2),
                    st.sampled_from([D("999999999.99"), D("0.000001"), D("1000000000"), D("0.00")]))

scores = st.one_of(st.none(), st.just(0), st.integers(min_value=-3, max_value=101),
                   st.decimals(min_value=-1, max_value=101, places=2), st.just(D("89.9999999999999999")))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(amounts, amounts, scores, st.sampled_from([None, "优秀", "良好", "差", "优良"]),
                               st.sampled_from([None, "≤5万元", "≥0.1万元", "20元", "≤3亿元"])),
                     min_size=1, max_size=5),
       claims=st.lists(st.tuples(st.sampled_from(["项目个数", "预算总额", "执行总额", "总体执行率", "平均得分",
                                                  "项目执行", "项目预算", "项目执行率"]),
                                 st.sampled_from([0, 2, D("12.5"), "70%", D("0")]),
                                 st.sampled_from([None, "项目0", "项目1", "项目9"]),
                                 st.sampled_from(["", "偏差"])), max_size=5))
def test_random_facts(program, rows, claims):
    projects = [project(f"项目{i}", full_year=full, executed=executed, total=total, grade=grade,
                        indicators=[indicator(target=target)] if target else ())
                for i, (full, executed, total, grade, target) in enumerate(rows)]
    claim_list = []
    for j, (measure, value, name, topic) in enumerate(claims):
        extra = {"unit": "万元"} if measure in ("预算总额", "执行总额", "项目执行", "项目预算") else {}
        if name is not None:
            extra["project"] = name
        if topic:
            extra["topic"] = topic
        claim_list.append(claim(f"c{j}", f"第{j}句", measure, value, **extra))
    with tempfile.TemporaryDirectory() as folder:
        write_facts(Path(folder), projects, claims=claim_list)
        reports = load_facts([folder])
    check_reports(program, reports)


def column_of(text: str, scopes: list, params=None, year: int = 2024) -> list:
    params = params or {}
    with localcontext() as ctx:
        ctx.prec = 34
        return compile_column(parse(text))(Frame.of_scopes(scopes, params, Decimal(year)))


def per_subject(text: str, scopes: list, params=None, year: int = 2024) -> list:
    return [Evaluator(scope, params or {}, year).eval(parse(text)) for scope in scopes]


NS = SimpleNamespace
EDGE_SCOPES = [
    {"x": NS(a=None, b=None, items=None)},
    {"x": NS(a=D("1"), b=D("0"), items=[])},
    {"x": NS(a=3, b=0, items=[NS(v=1, ok=True)])},  # ints: paths give Decimal
    {"x": NS(a=D("1E+20"), b=D("1E-20"), items=[NS(v=None, ok=None), NS(v=D("2"), ok=True)])},
    {"x": NS(a=D("-2.50"), b=2, items=[NS(v=D("2"), ok=True), NS(v=None, ok=None)])},
    {"x": None},
    {},
]


@pytest.mark.parametrize("text", [
    "x.a", "x.b", "x.a + x.b", "x.a - x.b", "x.a * x.b", "x.a / x.b", "-x.a", "x.a < x.b", "x.a == x.b",
    "x.a != x.b", "x.a >= 1", "abs(x.a)", "present(x.a)", "len(x.items)", "unit(x.a)", "x.a > 0 and x.b > 0",
    "x.a > 0 or x.b > 0", "not (x.a > 0)", "[x.a, x.b]", "coalesce(x.a, 0) / coalesce(x.b, 1)",
    "sum(i.v for i in x.items)", "count(i for i in x.items if i.ok)", "first(i.v for i in x.items if i.ok)",
    "any(i.ok for i in x.items)", "all(i.ok for i in x.items)", "max(i.v for i in x.items)", "year", "x",
])
def test_edge_columns_equal_evaluator(text):
    assert repr(column_of(text, EDGE_SCOPES)) == repr(per_subject(text, EDGE_SCOPES))


def test_columns_of_unknowns_and_empty_frames():
    nones = [{"x": NS(a=None, b=None, items=None)}] * 5
    for text in ("x.a / x.b", "x.a + 1", "x.a < x.b", "sum(i.v for i in x.items)", "x.a > 0 and x.b > 0"):
        assert column_of(text, nones) == [None] * 5 == per_subject(text, nones)
        assert column_of(text, []) == []


def test_first_stops_where_the_scalar_loop_stops():
    # the first item's condition is unknown, so the loop stops; the second item's condition would raise
    scopes = [{"x": NS(items=[NS(v=D("1"), ok=None), NS(v=D("2"), ok="text")])}]
    text = 'first(i.v for i in x.items if i.ok > 0)'
    with pytest.raises(TypeError):
        per_subject(text, [{"x": NS(items=[NS(v=D("2"), ok="text")])}])
    assert column_of(text, scopes) == per_subject(text, scopes) == [None]
    # an item kept before the unknown one decides the first match
    scopes = [{"x": NS(items=[NS(v=D("1"), ok=D("1")), NS(v=D("2"), ok=None)])},
              {"x": NS(items=[NS(v=D("1"), ok=D("0")), NS(v=D("2"), ok=None), NS(v=D("3"), ok=D("1"))])}]
    assert column_of(text, scopes) == per_subject(text, scopes) == [D("1"), None]


def test_shared_comprehensions_are_computed_per_binding():
    report = NS(items=[NS(v=D("1"), ok=True), NS(v=D("2.5"), ok=False)])
    other = NS(items=[NS(v=D("4"), ok=True)])
    scopes = [{"x": report}, {"x": other}, {"x": report}]
    for text in ("sum(i.v for i in x.items)", "first(i.v for i in x.items if not i.ok)", "count(i for i in x.items)"):
        assert repr(column_of(text, scopes)) == repr(per_subject(text, scopes))


def test_project_metrics_are_the_dataclass_values(ruleset):
    reports = load_facts([ROOT / "facts"]) + load_generated(25, seed=4)
    got = E.project_metrics(ruleset, reports)
    expected = []
    for report in reports:
        params = E.params_for(ruleset, report.year)
        for p in report.projects:
            full_year, executed = p.budget.full_year, p.budget.executed
            full_year = Decimal(full_year) if isinstance(full_year, int) else full_year
            executed = Decimal(executed) if isinstance(executed, int) else executed
            total = Decimal(p.score.total) if isinstance(p.score.total, int) else p.score.total
            rate = executed / full_year if executed is not None and full_year else None
            reported = Decimal(p.budget.rate) if isinstance(p.budget.rate, int) else p.budget.rate
            from engine.expr.functions import FUNCTIONS

            expected.append(E.ProjectMetrics(
                report.department, report.year, p.name, full_year, executed, rate, reported, total, p.score.grade,
                FUNCTIONS["lookup"][2](params.get(E.GRADE_VOCABULARY), p.score.grade),
                FUNCTIONS["band"][2](total, params.get(E.GRADE_BANDS))))
    assert len(got) > 20 and list(got) == expected and repr(got) == repr(tuple(expected))
    assert hash(got[0]) == hash(expected[0])


def test_kinds_come_in_the_order_subjects_of_meets_them(program, tmp_path):
    # the first report has claims but no indicators, the second has indicators: claim batches come first
    write_facts(tmp_path / "a", [project("甲", full_year=D("10"), executed=D("5"))],
                claims=[claim("a", "共1个项目", "项目个数", 1, unit="个")], department="甲局")
    write_facts(tmp_path / "b", [project("乙", full_year=D("10"), executed=D("9"),
                                         indicators=[indicator(target="≤1万元")])], department="乙局")
    reports = load_facts([tmp_path / "a"]) + load_facts([tmp_path / "b"])
    assert list(subjects_by_kind(reports)) == ["report", "project", "claim", "indicator"]
    check_reports(program, reports)


def test_path_values_become_decimal_as_evaluator_converts_them():
    import enum

    class Level(enum.IntEnum):
        HIGH = 2

    for scopes in ([{"x": NS(a=True)}, {"x": NS(a=3)}, {"x": NS(a=D("1.50"))}, {"x": NS(a="3")}],
                   [{"x": NS(a=Level.HIGH)}, {"x": NS(a=3)}, {"x": NS(a=False)}, {"x": NS(a=None)}]):
        got = column_of("x.a", scopes)
        assert repr(got) == repr(per_subject("x.a", scopes))
        assert [type(v) for v in got][:2] in ([bool, Decimal], [Decimal, Decimal])

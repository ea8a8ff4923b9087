"""The column-wise evaluate stage (engine/expr/columns.py, operands.rule_batches, backends/python.decide_batches)
computes what the same rules computed subject by subject compute: its frames, subsets, shared comprehension values
and skipped conditions change nothing but speed.

References: rule_batches_by_row and decide_batches_by_row (tests/row_reference.py), the scalar closures per
subject (compared by repr so Decimal vs int shows). The meaning of each operator is tested in test_semantics.py.
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
from engine.backends.python import PythonBackend
from engine.expr import parse
from engine.expr.columns import Frame, compile_column
from engine.run.operands import rule_batches
from engine.run.subjects import subjects_by_kind, subjects_of

from .conftest import FACTS
from .expr_value import value_of
from .factsfile import D, claim, indicator, project, write_facts
from .row_reference import decide_batches_by_row, frame_of_scopes, rule_batches_by_row

E = sys.modules["engine.run.evaluate"]


def check_reports(program, reports) -> dict:
    """Every reference comparison on `reports`; returns counts, so callers can show the check was not vacuous."""
    ruleset = program.ruleset
    backend = PythonBackend(program)
    counts = {"values": 0, "decisions": 0}
    for scope, group in E.by_scope(ruleset, reports).items():
        params = E.params_for(ruleset, scope)
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
        with localcontext() as ctx:
            ctx.prec = 34
            batches = rule_batches(program, group, params, scope)
            reference = rule_batches_by_row(program, group, params, scope)
        assert [(b.compiled.rule.id, [s.key for s in b.subjects]) for b in batches] == \
            [(b.compiled.rule.id, [s.key for s in b.subjects]) for b in reference]
        for batch, ref in zip(batches, reference):
            assert repr(batch.columns) == repr([tuple(side) for side in ref.columns]), batch.compiled.rule.id
            counts["values"] += sum(len(side) for leaf in batch.columns for side in leaf)
        decisions = backend.decide_batches(batches)
        assert decisions == decide_batches_by_row(reference)
        counts["decisions"] += len(decisions)
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
    counts = check_reports(program, load_facts([FACTS]))
    assert counts["values"] > 1000 and counts["decisions"] > 20


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
        return compile_column(parse(text))(frame_of_scopes(scopes, params, Decimal(year)))


def per_subject(text: str, scopes: list, params=None, year: int = 2024) -> list:
    return [value_of(text, scope, params, year) for scope in scopes]


NS = SimpleNamespace


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
    reports = load_facts([FACTS]) + load_generated(25, seed=4)
    got = E.project_metrics(ruleset, reports)
    expected = []
    for report in reports:
        params = E.params_for(ruleset, ruleset.scope_of(report))
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


def test_path_values_become_decimal_in_columns_as_in_closures():
    import enum

    class Level(enum.IntEnum):
        HIGH = 2

    for scopes in ([{"x": NS(a=True)}, {"x": NS(a=3)}, {"x": NS(a=D("1.50"))}, {"x": NS(a="3")}],
                   [{"x": NS(a=Level.HIGH)}, {"x": NS(a=3)}, {"x": NS(a=False)}, {"x": NS(a=None)}]):
        got = column_of("x.a", scopes)
        assert repr(got) == repr(per_subject("x.a", scopes))
        assert [type(v) for v in got][:2] in ([bool, Decimal], [Decimal, Decimal])


# --- lazy subjects, shared comprehension values, column built-ins, Finding and message fast paths ---

def test_lazy_subjects_are_the_eager_subjects_made_on_demand(program):
    from engine.run.subjects import Subjects

    reports = load_facts([FACTS]) + load_generated(12, seed=5)
    group = [r for r in reports if r.year == 2024]
    eager: dict = {}
    for report in group:
        for subject in subjects_of(report):
            eager.setdefault(subject.kind, []).append(subject)
    by_kind = subjects_by_kind(group)
    lazy_kinds = [kind for kind, (subjects, _) in by_kind.items() if isinstance(subjects, Subjects)]
    assert {"report", "project", "indicator", "claim"} <= set(lazy_kinds)
    for kind in lazy_kinds:
        subjects, roots = by_kind[kind]
        expected = eager[kind]
        assert not subjects._made  # nothing made until asked for
        assert len(subjects) == len(expected) > 0
        assert subjects.scopes() == [s.scope for s in expected]
        assert subjects[len(expected) - 1].__dict__ == expected[-1].__dict__
        assert subjects[-1] is subjects[len(expected) - 1]  # made once, then the same object
        assert len(subjects._made) == 1  # the last row, made once, nothing else
        assert [s.__dict__ for s in subjects[1:3]] == [s.__dict__ for s in expected[1:3]]
        assert [s.__dict__ for s in subjects] == [s.__dict__ for s in expected]
        assert list(subjects) == list(subjects)  # iteration gives the cached objects
        for bad in (len(expected), -len(expected) - 1):
            with pytest.raises(IndexError):
                subjects[bad]
    # the evaluate stage makes only the subjects of findings
    scope = program.ruleset.scope_of(group[0])
    params = E.params_for(program.ruleset, scope)
    with localcontext() as ctx:
        ctx.prec = 34
        batches = rule_batches(program, group, params, scope)
    made = {id(b.subjects): len(b.subjects._made) for b in batches if isinstance(b.subjects, Subjects)}
    assert made and not any(made.values())
    decisions = PythonBackend(program).decide_batches(batches)
    assert decisions
    for d in decisions:
        subject = batches[d.batch].subjects[d.row]
        assert subject.kind == batches[d.batch].compiled.rule.subject


def test_lazy_subjects_of_no_reports_and_of_kinds_without_subjects(tmp_path):
    assert subjects_by_kind([]) == {}
    write_facts(tmp_path / "a", [project("甲", full_year=D("10"), executed=D("5"))], department="甲局")
    reports = load_facts([tmp_path / "a"])
    by_kind = subjects_by_kind(reports)
    assert list(by_kind) == ["report", "project"]  # no indicators, claims or commitments: no entry
    assert [s.__dict__ for s in by_kind["report"][0]] == [s.__dict__ for s in subjects_of(reports[0])[:1]]


def test_comprehension_values_shared_between_frames_follow_their_bindings():
    # two frames (two kinds of subjects of one chunk) share comprehension values by bound object; a binding
    # the first frame did not see is computed, and values of bound objects that died are never reused
    shared: dict = {}
    first = NS(items=[NS(v=D("1"), ok=True), NS(v=D("2.5"), ok=False)])
    second = NS(items=[NS(v=D("4"), ok=True)])
    texts = ("sum(i.v for i in x.items)", "count(i for i in x.items if i.ok)", "first(i.v for i in x.items if i.ok)",
             "sum(i.v + 1 for i in x.items)")
    for text in texts:
        node = parse(text)
        with localcontext() as ctx:
            ctx.prec = 34
            a = compile_column(node)(frame_of_scopes([{"x": first}, {"x": first}], {}, Decimal(2024)))
            frame = Frame(None, 0, {}, Decimal(2024), shared=shared)
            b_scopes = [{"x": second}, {"x": first}, {"x": second}]
            b_frame = frame_of_scopes(b_scopes, {}, Decimal(2024))
            b_frame.shared = shared
            a_frame = frame_of_scopes([{"x": first}], {}, Decimal(2024))
            a_frame.shared = shared
            got_a = compile_column(node)(a_frame)
            got_b = compile_column(node)(b_frame)
        assert frame.shared is shared
        assert repr(got_a) == repr(per_subject(text, [{"x": first}])) == repr(a[:1])
        assert repr(got_b) == repr(per_subject(text, b_scopes))
    # the memo keeps the bound objects alive, so an id is never reused for another object while it lives
    kept = [bound for _, columns in shared.values() for column in columns for bound in column]
    assert any(b is first for b in kept) and any(b is second for b in kept)


def test_rule_batches_share_comprehensions_between_kinds(program):
    # claims and the report sum the same projects: the same values as each frame computing its own
    reports = [r for r in load_generated(20, seed=6) if r.year == 2024]
    scope = program.ruleset.scope_of(reports[0])
    params = E.params_for(program.ruleset, scope)
    with localcontext() as ctx:
        ctx.prec = 34
        batches = rule_batches(program, reports, params, scope)
        reference = rule_batches_by_row(program, reports, params, scope)
    assert [b.compiled.rule.id for b in batches] == [b.compiled.rule.id for b in reference]
    for batch, ref in zip(batches, reference):
        assert repr(batch.columns) == repr([tuple(side) for side in ref.columns]), batch.compiled.rule.id


def _filter(field, op, value):
    return NS(field=field, op=op, value=value)


@pytest.mark.parametrize("where", [
    None, _filter("得分", ">=", 90), _filter("得分", "<", D("90.5")), _filter("全年预算", "==", D("10")),
    _filter("报告执行率", "!=", D("0.5")), _filter("未知", ">=", 1), _filter("得分", "≈", 90),
    _filter("得分", ">", D("NaN")), _filter("得分", ">=", "90"), _filter("得分", "<=", True),
    _filter("得分", ">=", None),
])
def test_satisfies_column_is_the_scalar_function(where):
    from engine.expr.columns import _satisfies
    from engine.expr.functions import _satisfies as scalar

    projects = [None, NS(score=NS(total=D("90")), budget=NS(full_year=D("10"), rate=D("0.5"))),
                NS(score=NS(total=None), budget=None), NS(score=NS(total=89), budget=NS(full_year=10, rate=None)),
                NS(score=NS(total=D("95.5")), budget=NS(full_year=D("9.99"), rate=D("0.50")))]
    for p in projects:
        try:
            expected = ("value", scalar(p, where))
        except Exception as exc:  # noqa: BLE001 - the column must raise what the scalar raises
            expected = ("raises", type(exc))
        try:
            got = ("value", _satisfies([p], [where])[0])
        except Exception as exc:  # noqa: BLE001
            got = ("raises", type(exc))
        assert got == expected, (p, where)


def test_span_column_is_span_of_each_value_however_values_repeat():
    # the span memo is kept per chunk, by object and by printed figure: 5 and 5.0 are equal but span differently
    from engine.expr.columns import _span
    from engine.expr.intervals import span

    five, five_point = Decimal("5"), Decimal("5.0")
    values = [five, five_point, five, None, Decimal("5.00"), five_point, Decimal("0.125"), Decimal("-3E+2"), 7]
    shared: dict = {}
    with localcontext() as ctx:
        ctx.prec = 34
        for column in (values, values[::-1], [Decimal("5.0"), Decimal("5")]):
            assert repr(_span(column, shared)) == repr([span(value) for value in column])


def test_unit_column_is_unit_of_each_value_however_exponents_alternate():
    # the column makes unit() once per run of values with the same exponent: 5 and 5.0 are equal, their units not
    from engine.expr.columns import _unit
    from engine.expr.functions import _unit as unit

    values = [Decimal("0.8567"), Decimal("0.1234"), Decimal("5"), Decimal("5.0"), Decimal("5.0"), None,
              Decimal("5.00"), Decimal("-3E+2"), Decimal("7E+2"), Decimal("0E-4"), Decimal("0.0001"), Decimal("1")]
    with localcontext() as ctx:
        ctx.prec = 34
        for column in (values, values[::-1], [Decimal("5"), Decimal("5.0")], []):
            assert repr(_unit(column)) == repr([unit(value) for value in column])
        for odd in ([Decimal("2"), 3], [Decimal("2"), Decimal("NaN")], [Decimal("Infinity")]):  # raise as unit does
            with pytest.raises((AttributeError, TypeError)) as raised:
                _unit(odd)
            with pytest.raises(raised.type):
                list(map(unit, odd))


def test_len_column_uses_shared_small_decimals_and_stays_exact():
    lists = [[], [1], list(range(255)), list(range(256)), list(range(1000))]
    got = column_of("len(x.items)", [{"x": NS(items=items)} for items in lists])
    assert repr(got) == repr([Decimal(len(items)) for items in lists])
    assert repr(column_of("len(x.items)", [{"x": NS(items=[0] * 3)}])) == repr([Decimal(3)])


def test_findings_are_dataclass_instances_with_their_fields_in_order(program):
    from dataclasses import fields

    from engine.core.findings import Finding

    reports = load_facts([FACTS])
    evaluation = E.evaluate(program, reports, "python")
    assert evaluation.findings
    names = [f.name for f in fields(Finding)]
    for finding in evaluation.findings:
        assert list(vars(finding)) == names
        rebuilt = Finding(**vars(finding))
        assert rebuilt == finding and repr(rebuilt) == repr(finding)


def test_evidence_read_from_the_leaf_columns_is_the_evidence_computed_again(program):
    # make_finding(at=(batch, row)) reads an evidence that restates a leaf side from the operand stage's columns,
    # at the row's place among the compact rows of a condition; without `at` it computes it with the closures
    backend, ruleset = PythonBackend(program), program.ruleset
    read = {"sides": 0, "compact": 0, "findings": 0}
    for reports in (load_facts([FACTS]), load_generated(45, seed=3)):
        for scope, group in E.by_scope(ruleset, reports).items():
            params = E.params_for(ruleset, scope)
            with localcontext() as ctx:
                ctx.prec = 34
                batches = rule_batches(program, group, params, scope)
            for d in backend.decide_batches(batches):
                batch = batches[d.batch]
                sides = [side for *_, side in E._finding_plan(batch.compiled)[1] if side is not None]
                read["sides"] += len(sides)
                read["compact"] += sum(leaf in batch.compact and batch.rows[0] != d.row for leaf, _ in sides)
                args = (ruleset, batch.compiled, batch.subjects[d.row], params, d.outcome, {}, None, scope)
                finding = E.make_finding(*args, None, (batch, d.row))
                assert repr(finding) == repr(E.make_finding(*args)), batch.compiled.rule.id
                read["findings"] += 1
    assert read["findings"] > 100 and read["sides"] > 20 and read["compact"] > 4, read


def _render_reference(template: str, values: dict) -> str:
    import re

    from engine.core.findings import format_value

    field = re.compile(r"\{([^{}:]+)(?::([a-z]+))?\}")
    return field.sub(lambda m: format_value(values.get(m.group(1)), m.group(2) or ""), template)


MESSAGE_VALUES = [
    {}, {"a": D("0.123456"), "b": "文本", "c": None, "d": [D("1"), True, "x"], "e": D("1E+3"), "f": 12,
         "g": False, "h": (), "i": D("-0.005")},
    {"a": D("12.5"), "e": D("0.00001"), "b": "{a}", "f": D("100")},
]


@pytest.mark.parametrize("template", [
    "", "无字段", "{a}", "{a:pct}", "{a:wan}", "{a:PCT}", "{a:}", "{a}{a}", "前{a}中{b:pct}后", "{{a}}", "{a",
    "a}", "{}", "{ a }", "{a:pct:wan}", "{e:pct}{e}{e:wan}{f:pct}{g}{h}{i:pct}", "{未知:wan}", "{d}{c:pct}{b}",
    "{项目}执行率 {a:pct} 未达 {e:pct}", "{a:pc1}", "}{a}{",
])
@pytest.mark.parametrize("values", MESSAGE_VALUES)
def test_message_templates_render_as_the_regular_expression_substitution(template, values):
    from engine.core.findings import render_message

    assert render_message(template, values) == _render_reference(template, values)


def test_every_shipped_message_renders_as_before(program):
    from engine.core.findings import render_message, template_fields

    rng_values = [D("0.8567"), D("1234.5"), None, "名称", D("3"), [D("1"), D("2")], True]
    for compiled in program.rules:
        template = compiled.rule.message
        names = [name for name, _ in template_fields(template)]
        assert names or "{" not in template
        for k in range(len(rng_values)):
            values = {name: rng_values[(k + i) % len(rng_values)] for i, name in enumerate(names)}
            assert render_message(template, values) == _render_reference(template, values), compiled.rule.id


@given(st.integers(-10**12, 10**12), st.integers(-12, 8))
def test_number_text_reads_the_exponent_as_as_tuple_did(digits, exponent):
    """findings.plain_number (of amounts, and of percentages in format_value) reads the exponent from
    format(value, 'f') instead of as_tuple()."""
    from decimal import ROUND_HALF_UP

    from engine.core.findings import _plain, format_value, plain_number

    value = Decimal(digits).scaleb(exponent)
    assert _plain(value) == format(value, "f")  # str where it has no exponent
    short = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if value.as_tuple().exponent < -4 else value
    assert plain_number(value) == format(short, "f")
    scaled = value.scaleb(2)
    if scaled.as_tuple().exponent < -2:
        scaled = scaled.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert format_value(value, "pct") == f"{format(scaled, 'f')}%"
    for special in (Decimal("NaN"), Decimal("-Infinity")):  # as before: no text for these, an error
        with pytest.raises(TypeError):
            plain_number(special)


def test_finding_plans_stay_bounded_however_many_rule_sets_are_compiled(ruleset, monkeypatch):
    cap = 2 * len(ruleset.rules)  # room for two programs' plans: the fifth compile starts from a cleared table
    monkeypatch.setattr(E, "_MAX_FINDING_PLANS", cap)
    monkeypatch.setattr(E, "_finding_plans", {})
    for _ in range(5):
        program = compile(ruleset)  # the compile stage builds every rule's plan
        assert len(E._finding_plans) <= cap
    compiled = program.rules[0]
    assert E._finding_plans[id(compiled)][0] is compiled  # the latest program's plans are kept

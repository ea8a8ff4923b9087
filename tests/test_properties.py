"""Property-based and differential tests (hypothesis).

- Random valid facts files in the real format, evaluated with the shipped rules: the durable_rules
  backend and the pure-Python evaluator render the same JSON bytes; the findings do not depend on
  the order of the files or of the projects in a file; evaluating twice gives the same bytes.
- Random rule expressions built from the grammar (engine/expr/ast.py): printing is a fixpoint of
  parse-then-print, and for well-typed boolean rules both backends decide every subject alike.
- The complexity limit the loader enforces (compile.rule_cost) is exactly what durable_rules accepts.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from engine import compile, evaluate, load_facts
from engine.construct.compile import MAX_RULE_COST, rule_cost
from engine.core.catalog import SUBJECT_SCOPES
from engine.core.model import Budget, Project, Report, RuleSet, Score, Totals
from engine.expr import ast as A
from engine.expr import parse, to_source
from engine.expr.ast import without_positions
from engine.expr.check import Checker
from engine.render import render

from .conftest import BACKENDS, needs_durable
from .factsfile import D, approval, claim, facts_data, indicator, project, to_yaml
from .outcomes import rule_outcomes

# Each example of the whole-pipeline tests writes, loads and evaluates up to six department-years (0.1-0.2 s):
# their example counts are set per test from what the property needs; a failing example, once found, is
# replayed first by hypothesis' example database on every later run.
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


# ---- random facts in the real format ------------------------------------------------------------

CENT = D("0.01")


def fixed_point(low, high, places: int = 2):
    """Every decimal with `places` places from low to high, as st.decimals(places=...) draws them, at a fraction
    of its cost: drawing the data was half of these tests' time."""
    scale = 10 ** places
    return st.integers(int(low * scale), int(high * scale)).map(lambda n: D(n).scaleb(-places))


BOUNDARY_MONEY = [D("0.00"), D("0.01"), D("8.30"), D("35.84"), D("100.00"), D("170.35"), D("282.19")]
MONEY = st.one_of(fixed_point(0, D("999.99")), st.sampled_from(BOUNDARY_MONEY))
# every band edge and its neighbour, and one out of range
BOUNDARY_SCORES = [D("100"), D("100.00"), D("100.01"), D("90"), D("90.00"), D("89.99"), D("80"), D("79.99"),
                   D("60"), D("59.99"), D("0")]
SCORES = st.one_of(st.sampled_from(BOUNDARY_SCORES), fixed_point(0, 100))
GRADES = ["优秀", "优", "良好", "良", "合格", "中", "中等", "差", "不合格", "优良"]  # 优良 is in no vocabulary
KINDS = ["产出-数量", "产出-质量", "产出-时效", "产出-成本", "效益-社会效益", "满意度-服务对象满意度"]
DEPARTMENTS = ["城市管理局", "教育局", "卫生健康委员会", "民政局"]
BASE_NAMES = ["智慧城管", "文明创建", "垃圾分类", "城管进社区", "执法车辆维护", "农村环境卫生", "执法人员培训"]


def pct(value: Decimal) -> str:
    return f"{value}%"


def pick(draw, options):
    """draw(st.sampled_from(options)) without making a strategy per draw: hypothesis works out each new strategy's
    properties, and that was most of the cost of drawing these reports."""
    return options[draw(st.integers(0, len(options) - 1))]


@st.composite
def budgets(draw):
    full = draw(MONEY)
    seventy = (full * D("0.70")).quantize(CENT)
    executed = pick(draw, (None, full,
                           seventy,  # exactly or just about 70%
                           *([seventy - CENT] if seventy >= CENT else []),
                           (full * D("0.90")).quantize(CENT),
                           full + CENT))  # over budget
    if executed is None:
        executed = draw(MONEY)
    out = {"full_year": full, "executed": executed}
    if draw(st.booleans()):
        out["initial"] = pick(draw, [full, draw(MONEY)])
    if full > 0 and draw(st.booleans()):
        exact = executed / full * 100
        printed = pick(draw, [exact.quantize(CENT), exact.quantize(D("1")), exact.quantize(CENT) + CENT,
                                        exact.quantize(D("0.1"))])
        if printed >= 0:
            out["rate"] = pct(printed)
    if draw(st.booleans()):
        out["explanation"] = "资金拨付延迟"
    # now and then a project without figures: its rules cannot be evaluated
    drop = pick(draw, [(), (), (), ("full_year",), ("executed",), ("full_year", "executed", "rate")])
    return {k: v for k, v in out.items() if k not in drop}


QUANTITY = st.one_of(
    MONEY.map(lambda m: f"≤{m}万元"), MONEY.map(lambda m: f"{m}万元"), MONEY.map(lambda m: f"{m}元"),
    MONEY.map(lambda m: f"≥{m}万元"), st.sampled_from(["≥95%", "100%", "98%", "≥6个", "≤0.5亿元", "≦200万元", "＝100%"]))
MAYBE_QUANTITY = st.none() | QUANTITY


@st.composite
def indicators(draw):
    return indicator(pick(draw, ["投入金额", "完成率", "满意度", "覆盖人数"]),
                     kind=pick(draw, KINDS),
                     target=draw(MAYBE_QUANTITY), actual=draw(MAYBE_QUANTITY),
                     includes_tasks_of=pick(draw, [(), (), ("宣传部",)]))


INDICATOR_LISTS = st.lists(indicators(), max_size=3)


@st.composite
def projects(draw, name: str, year: int):
    budget = draw(budgets())
    total = None if draw(st.integers(0, 4)) == 0 else draw(SCORES)
    grade = None if draw(st.integers(0, 4)) == 0 else pick(draw, GRADES)
    involved = pick(draw, [(), (), ("宣传部",), ("宣传部", "文明办")])
    approvals = [approval(d, year=pick(draw, [year - 1, year, year + 1]))
                 for d in involved if draw(st.booleans())]
    return project(name, **budget, total=total, grade=grade,
                   indicators=draw(INDICATOR_LISTS),
                   departments_involved=involved, approvals=approvals,
                   aliases=[name + "项目"] if draw(st.booleans()) else ())


def claims_for(draw, names: list, budgets_of: list) -> list:
    """Prose claims about the drawn projects: counts, totals, rates, averages, per-project figures."""
    out = []
    ident = iter(f"c{i:02d}" for i in range(1, 100))
    fulls = [b.get("full_year") for b in budgets_of]
    for _ in range(draw(st.integers(0, 8))):
        kind = pick(draw, ["count", "count-where", "members", "total", "executed", "overall", "average",
                                     "project-amount", "project-rate", "satisfaction", "topic"])
        name = pick(draw, names)
        cid = next(ident)
        if kind == "count":
            out.append(claim(cid, "实施项目", "项目个数", draw(st.integers(0, len(names) + 1)), unit="个"))
        elif kind == "count-where":
            out.append(claim(cid, "项目得分", "项目个数", draw(st.integers(0, len(names))), unit="个",
                             where={"field": pick(draw, ["得分", "全年预算", "全年执行", "报告执行率"]),
                                    "op": pick(draw, ["==", "!=", "<", "<=", ">", ">="]),
                                    "value": pick(draw, [D("90"), D("100"), D("1"), D("0.7")])}))
        elif kind == "members":
            members = draw(st.lists(st.sampled_from(names + [n + "项目" for n in names]), min_size=1, max_size=4))
            out.append(claim(cid, "列举项目", "项目个数", draw(st.integers(0, 5)), unit="个", members=members))
        elif kind in ("total", "executed"):
            exact = sum((f for f in fulls if f is not None), D("0"))
            value = pick(draw, [exact, exact + CENT, draw(MONEY)])
            out.append(claim(cid, "预算总额", "预算总额" if kind == "total" else "执行总额", value,
                             unit=pick(draw, ["万元", "元", "亿元"])))
        elif kind == "overall":
            out.append(claim(cid, "总体执行率", "总体执行率",
                             pct(draw(fixed_point(0, 120)))))
        elif kind == "average":
            out.append(claim(cid, "平均得分", "平均得分", draw(SCORES), unit="分"))
        elif kind == "project-amount":
            index = names.index(name)
            exact = budgets_of[index].get("executed")
            value = pick(draw, [exact, draw(MONEY)] if exact is not None else [draw(MONEY)])
            out.append(claim(cid, f"{name}投入", pick(draw, ["项目执行", "项目预算"]), value,
                             unit=pick(draw, ["万元", "元"]),
                             project=pick(draw, [name, name + "项目", "不存在的项目"])))
        elif kind == "project-rate":
            out.append(claim(cid, f"{name}执行率", "项目执行率",
                             pct(draw(fixed_point(0, 100))), project=name))
        elif kind == "satisfaction":
            if draw(st.booleans()):
                out.append(claim(cid, "满意度均达100%", "满意度", "100%", scope="全部"))
            else:
                out.append(claim(cid, f"{name}满意度", "满意度", pick(draw, ["98%", "100%"]), project=name))
        else:
            extra = {"topic": pick(draw, ["偏差", "完成"])}
            if out and draw(st.booleans()):
                extra["complements"] = out[-1]["id"]
            out.append(claim(cid, "存在偏差的项目", "项目个数", draw(st.integers(0, len(names))), unit="个", **extra))
    return out


def commitments_for(draw, names: list, year: int) -> list:
    out = []
    for i in range(draw(st.integers(0, 3))):
        kind = pick(draw, ["签订协同文件", "纳入下年预算", "预算倾斜", "执行率预警", "其他"])
        item = {"id": f"k{i + 1:02d}", "section": "四(二) 正文", "text": f"整改承诺{i + 1}", "kind": kind}
        if kind == "签订协同文件":
            item.update(project=pick(draw, names), counterpart="宣传部")
        elif kind == "纳入下年预算":
            item["project"] = pick(draw, names)
        elif kind == "预算倾斜":
            increase = pick(draw, names)
            item["budget_increase"] = [increase]
            others = [n for n in names if n != increase]  # a project cannot go both up and down
            if others and draw(st.booleans()):
                item["budget_decrease"] = [pick(draw, others)]
        out.append(item)
    return out


@st.composite
def department_reports(draw, department: str, year: int, names: list):
    drawn = [draw(projects(name, year)) for name in names]
    budgets_of = [p["budget"] for p in drawn]
    totals = None
    if draw(st.booleans()):
        sums = {k: sum((b[k] for b in budgets_of if k in b), D("0")) for k in ("initial", "full_year", "executed")}
        totals = {k: pick(draw, [v, v + CENT]) for k, v in sums.items()}
        if totals["full_year"] > 0:
            totals["rate"] = pct((totals["executed"] / totals["full_year"] * 100).quantize(
                pick(draw, [CENT, D("0.1")])))
    data = facts_data(drawn, department=department, year=year, totals=totals,
                      claims=claims_for(draw, names, budgets_of))
    if draw(st.booleans()):
        data["commitments"] = commitments_for(draw, names, year)
    return data


@st.composite
def fact_sets(draw, max_projects: int = 30):
    """One to three department-years: a department may report in 2024 and again in 2025."""
    out = []
    for department in draw(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2, unique=True)):
        count = draw(st.integers(1, max_projects))
        names = [BASE_NAMES[i] if i < len(BASE_NAMES) else f"项目{i:02d}" for i in range(count)]
        out.append(draw(department_reports(department, 2024, names)))
        if draw(st.booleans()):  # the next year: some projects carried on, one dropped
            kept = names[:-1] if len(names) > 1 and draw(st.booleans()) else names
            out.append(draw(department_reports(department, 2025, kept)))
    return out


def write_all(folder: Path, datasets, prefix: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(datasets):
        (folder / f"{prefix}{i:02d}-{data['year']}.yaml").write_text(to_yaml(data) + "\n", encoding="utf-8")


def evaluate_json(program, folder: Path, backend: str) -> str:
    return render("json", evaluate(program, load_facts([folder]), backend=backend, facts_hash="fixed"))


@needs_durable
@settings(SETTINGS, max_examples=20)
@given(datasets=fact_sets())
def test_both_backends_render_identical_json(program, datasets):
    with tempfile.TemporaryDirectory() as folder:
        write_all(Path(folder), datasets)
        python = evaluate_json(program, Path(folder), "python")
        durable = evaluate_json(program, Path(folder), "durable")
    assert durable == python
    assert json.loads(python)["summary"]["reports"]  # the run is not vacuous


@settings(SETTINGS, max_examples=10)  # determinism: any input shows a leak of state between runs
@given(datasets=fact_sets(max_projects=12))
def test_evaluating_twice_gives_the_same_bytes(program, datasets):
    with tempfile.TemporaryDirectory() as folder:
        write_all(Path(folder), datasets)
        for backend in BACKENDS:
            assert evaluate_json(program, Path(folder), backend) == evaluate_json(program, Path(folder), backend)


def comparable(document: str) -> list:
    """Findings without what legitimately moves when files or projects are reordered: file names and lines."""
    out = []
    for finding in json.loads(document)["findings"]:
        finding["citations"] = sorted(
            json.dumps({k: v for k, v in c.items() if k not in ("file", "line")}, ensure_ascii=False, sort_keys=True)
            for c in finding["citations"])
        out.append(json.dumps(finding, ensure_ascii=False, sort_keys=True))
    return sorted(out)


@settings(SETTINGS, max_examples=15)
@given(datasets=fact_sets(max_projects=15), data=st.data())
def test_findings_do_not_depend_on_the_order_of_files_or_projects(program, datasets, data):
    shuffled = []
    for dataset in datasets:
        copy = dict(dataset)
        copy["projects"] = data.draw(st.permutations(dataset["projects"]))
        shuffled.append(copy)
    with tempfile.TemporaryDirectory() as folder:
        write_all(Path(folder) / "a", datasets)
        # reversed file order on disk: the first department-year now sorts last
        write_all(Path(folder) / "b", list(reversed(shuffled)), prefix="z")
        for backend in BACKENDS:
            first = evaluate_json(program, Path(folder) / "a", backend)
            second = evaluate_json(program, Path(folder) / "b", backend)
            assert comparable(first) == comparable(second)


# ---- random expressions from the grammar ---------------------------------------------------------

NUM_FIELDS = ["project.budget.full_year", "project.budget.executed", "project.budget.initial",
              "project.score.total", "report.totals.full_year", "report.totals.executed"]


def number_literal(value: Decimal, percent: bool = False) -> A.Num:
    return A.Num(0, value.scaleb(-2), f"{value}%") if percent else A.Num(0, value, str(value))


NUM_LEAVES = st.one_of(
    st.sampled_from(NUM_FIELDS).map(lambda f: A.Path(0, tuple(f.split(".")))),
    fixed_point(0, 1000).map(number_literal),
    st.sampled_from([D("0"), D("1"), D("70"), D("90"), D("100")]).map(number_literal),
    fixed_point(0, 100, places=1).map(lambda d: number_literal(d, percent=True)),
    st.just(A.Path(0, ("param", "exec_warning_line"))),
)


def numbers():
    def extend(children):
        return st.one_of(
            st.builds(lambda op, left, right: A.Binary(0, op, left, right), st.sampled_from("+-*/"), children, children),
            children.map(lambda x: A.Unary(0, "-", x)),
            children.map(lambda x: A.Call(0, "abs", (x,))),
            st.builds(lambda x, places: A.Call(0, "round", (x, number_literal(D(places)))), children,
                      st.integers(0, 2)),
            st.builds(lambda x, y: A.Call(0, "coalesce", (x, y)), children, children),
        )

    return st.recursive(NUM_LEAVES, extend, max_leaves=5)


def conditions(max_leaves: int = 6):
    comparison = st.builds(lambda op, left, right: A.Compare(0, op, left, right),
                           st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), numbers(), numbers())
    leaves = st.one_of(
        comparison, comparison,
        st.sampled_from(NUM_FIELDS + ["project.budget.explanation"]).map(
            lambda f: A.Call(0, "present", (A.Path(0, tuple(f.split("."))),))),
        st.sampled_from([True, False]).map(lambda v: A.Const(0, v)),
    )

    def extend(children):
        return st.one_of(
            st.builds(lambda op, items: A.Logic(0, op, tuple(items)), st.sampled_from(["and", "or"]),
                      st.lists(children, min_size=2, max_size=3)),
            children.map(lambda x: A.Not(0, x)),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@settings(max_examples=300, deadline=None)
@given(conditions())
def test_printing_is_a_fixpoint_of_parse_then_print(node):
    printed = to_source(node)
    reparsed = parse(printed)
    assert to_source(reparsed) == printed
    assert to_source(parse(to_source(reparsed))) == printed
    assert without_positions(reparsed) == without_positions(node), printed


PARAM_TYPES = {"exec_warning_line": "num"}


@settings(max_examples=200, deadline=None)
@given(conditions())
def test_generated_conditions_are_well_typed(node):
    # otherwise the agreement test below would exercise nothing but rejected rules
    checker = Checker(SUBJECT_SCOPES["project"], PARAM_TYPES)
    assert checker.check(parse(to_source(node))) == "bool" and checker.problems == []


def probe_program(ruleset, condition: A.Node, when: A.Node | None):
    template = next(r for r in ruleset.rules if r.subject == "project")
    rule = dataclasses.replace(template, id="probe.random", condition=to_source(condition),
                               when=to_source(when) if when is not None else None, evidence=(),
                               message="{项目}", effective_from=None, effective_to=None)
    return compile(RuleSet((rule,), ruleset.parameters, ruleset.sources, "probe"))


OPTIONAL_MONEY = st.none() | st.sampled_from([D("0"), D("0.70"), D("70"), D("100"), D("100.00")]) | MONEY


@st.composite
def model_reports(draw):
    """Reports built directly as records (no YAML): fast enough for hundreds of random rules."""
    projects_ = []
    for i in range(draw(st.integers(1, 6))):
        budget = Budget(initial=draw(OPTIONAL_MONEY), full_year=draw(OPTIONAL_MONEY), executed=draw(OPTIONAL_MONEY),
                        explanation=draw(st.none() | st.just("说明")))
        projects_.append(Project(name=f"项目{i}", budget=budget, score=Score(total=draw(st.none() | SCORES))))
    totals = Totals(full_year=draw(OPTIONAL_MONEY), executed=draw(OPTIONAL_MONEY))
    return [Report(department="测试局", year=2024, document="x", file="x.yaml", projects=projects_, totals=totals)]


@needs_durable
@SETTINGS
@given(condition=conditions(), when=st.none() | conditions(max_leaves=2), reports=model_reports())
def test_both_backends_decide_random_rules_alike(ruleset, condition, when, reports):
    program = probe_program(ruleset, condition, when)
    assume(rule_cost(program.rules[0]) <= MAX_RULE_COST)
    python = rule_outcomes(program, reports, "python")
    assert rule_outcomes(program, reports, "durable") == python, to_source(condition)


@st.composite
def sized_conditions(draw, leaves: int):
    """A random and/or/not tree over exactly `leaves` leaves, most of them comparisons."""
    if leaves == 1:
        leaf = draw(st.one_of(
            st.builds(lambda op, left, right: A.Compare(0, op, left, right),
                      st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), NUM_LEAVES, NUM_LEAVES),
            st.just(A.Call(0, "present", (A.Path(0, ("project", "budget", "explanation")),)))))
        return A.Not(0, leaf) if draw(st.integers(0, 4)) == 0 else leaf
    parts = draw(st.integers(2, min(leaves, 5)))
    cuts = sorted(draw(st.lists(st.integers(1, leaves - 1), min_size=parts - 1, max_size=parts - 1, unique=True)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [leaves])]
    node = A.Logic(0, draw(st.sampled_from(["and", "or"])), tuple(draw(sized_conditions(n)) for n in sizes))
    return A.Not(0, node) if draw(st.integers(0, 4)) == 0 else node


@needs_durable
@settings(max_examples=40, deadline=None)
@given(condition=st.integers(1, 18).flatmap(sized_conditions), when=st.none() | conditions(max_leaves=3))
def test_rule_cost_is_exactly_durables_limit(ruleset, condition, when):
    from engine.backends.durable import DurableBackend, EngineError

    program = probe_program(ruleset, condition, when)
    cost = rule_cost(program.rules[0])
    try:
        DurableBackend(program)
        built = True
    except EngineError as error:
        assert "error code: 113" in str(error)
        built = False
    assert built == (cost <= MAX_RULE_COST), (cost, to_source(condition))
    event("within the limit" if built else "over the limit")

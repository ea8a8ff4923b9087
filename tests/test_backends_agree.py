"""The durable_rules backend and the pure-Python backend must agree finding for finding and rule by rule."""
from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import compile, evaluate, load_facts, load_rules
from engine.backends.durable import encode_pair

from .conftest import RULES, needs_durable
from .factsfile import D, approval, claim, indicator, project, write_facts
from .outcomes import rule_outcomes



@pytest.fixture(scope="module")
def program(ruleset):
    return compile(ruleset)


def assert_agree(program, reports):
    python = rule_outcomes(program, reports, "python")
    durable = rule_outcomes(program, reports, "durable")
    assert python.keys() == durable.keys()
    differ = {key: (python[key], durable[key]) for key in python if python[key] != durable[key]}
    assert differ == {}
    assert evaluate(program, reports, backend="python").findings == evaluate(program, reports, backend="durable").findings
    return python


@needs_durable
def test_seed_agrees_rule_by_rule(program, seed_reports):
    outcomes = assert_agree(program, seed_reports)
    # the comparison is not vacuous: every kind of outcome occurs on the seed
    assert set(outcomes.values()) == {"fired", "passed", "not-applicable"}
    assert len(outcomes) > 200


def boundary_projects():
    return [
        project("七成", full_year=D("8.3"), executed=D("5.81"), rate="70%", total=D("90"), grade="良好"),
        project("差一点", full_year=D("100"), executed=D("69.99"), rate="69.99%", total=D("89.99"), grade="良"),
        project("八十", full_year=D("35.84"), executed=D("33.79"), rate="94.29%", total=D("80"), grade="合格",
                indicators=[indicator(target="≤35.84万元"), indicator("满意度", kind="满意度-服务对象满意度", actual="98%")]),
        project("未知等级", full_year=D("170.35"), executed=D("111.85"), rate="65.66%", total=D("95"), grade="优良",
                indicators=[indicator(target="≤200万元", includes_tasks_of=["宣传部"])],
                departments_involved=["宣传部", "文明办"], approvals=[approval("文明办"), approval("宣传部", year=2025)]),
        project("无得分", full_year=D("0"), executed=D("0"), rate="0%"),
        project("缺金额", total=D("100.01"), grade="优秀", indicators=[indicator(target="≤1万元")]),
        project("超支", full_year=D("10"), executed=D("10.01"), total=D("100"), grade="优秀"),
    ]


@needs_durable
def test_boundary_facts_agree_rule_by_rule(program, tmp_path):
    claims = [
        claim("a", "共7个项目", "项目个数", 7, unit="个"),
        claim("b", "4个项目90分以上", "项目个数", 4, unit="个", where={"field": "得分", "op": ">=", "value": 90}),
        claim("c", "预算总额324.51万元", "预算总额", D("324.51"), unit="万元"),
        claim("d", "总体执行率70%", "总体执行率", "70%"),
        claim("e", "平均分90.8分", "平均得分", D("90.8"), unit="分"),
        claim("f", "七成投入5.81元", "项目执行", D("5.81"), unit="元", project="七成"),
        claim("g", "八十执行率94.28%", "项目执行率", "94.28%", project="八十"),
        claim("h", "满意度均达100%", "满意度", "100%", scope="全部"),
        claim("i", "八十满意度98%", "满意度", "98%", project="八十"),
        claim("j", "3个项目存在偏差", "项目个数", 3, unit="个", topic="偏差", complements="a"),
        claim("k", "2个项目存在偏差", "项目个数", 2, unit="个", topic="偏差", members=["七成"]),
    ]
    write_facts(tmp_path, boundary_projects(), claims=claims,
                totals={"initial": D("0"), "full_year": D("324.50"), "executed": D("230.45"), "rate": "71.02%"})
    outcomes = assert_agree(program, load_facts([tmp_path]))
    assert set(outcomes.values()) == {"fired", "passed", "not-applicable", "cannot-evaluate"}


amounts = st.decimals(min_value=0, max_value=200, places=2)


@needs_durable
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(amounts, amounts, st.decimals(min_value=0, max_value=101, places=2),
                               st.sampled_from(["优秀", "良好", "合格", "差", "优良"])), min_size=1, max_size=6))
def test_random_reports_agree(program, rows):
    projects = [project(f"项目{i}", full_year=full, executed=executed, total=total, grade=grade,
                        rate=f"{(executed / full * 100).quantize(Decimal('0.01'))}%" if full else None,
                        indicators=[indicator(target=f"≤{full}万元")])
                for i, (full, executed, total, grade) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as folder:
        write_facts(Path(folder), projects)
        assert_agree(program, load_facts([folder]))


# ---- numbers that collide as floats -------------------------------------------

@pytest.mark.parametrize("left, right", [
    ("0.70000000000000001", "0.7"),
    ("0.7", "0.70000000000000001"),
    ("0.69999999999999999", "0.7"),
    ("0.7", "0.7000"),
    ("123456789.00000001", "123456789"),
    ("0", "0.0000000000000000001"),
])
def test_encode_pair_keeps_the_decimal_order(left, right):
    a, b = Decimal(left), Decimal(right)
    fa, fb = encode_pair(a, b)
    assert isinstance(fa, float) and isinstance(fb, float)
    assert (fa < fb, fa == fb, fa > fb) == (a < b, a == b, a > b)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9),
       st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9))
def test_encode_pair_order_property(a, b):
    fa, fb = encode_pair(a, b)
    assert (fa < fb, fa == fb, fa > fb) == (a < b, a == b, a > b)


COMPARE_RULES = """rules:
""" + "".join(f"""  - id: probe.{name}
    title: 比较 {op}
    family: consistency
    severity: info
    subject: project
    condition: project.budget.executed {op} project.budget.full_year
    message: "{op}"
    cite:
      - {{source: mof-self-eval-notice, clause: 数据准确}}
""" for name, op in [("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">=")])


@needs_durable
@pytest.mark.parametrize("executed, full_year, fired", [
    ("0.70000000000000001", "0.7", {"ne", "gt", "ge"}),
    ("0.69999999999999999", "0.7", {"ne", "lt", "le"}),
    ("0.7", "0.70", {"eq", "le", "ge"}),
])
def test_float_collisions_are_decided_exactly_on_durable(tmp_path, executed, full_year, fired):
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RULES / "sources.yaml", rules / "sources.yaml")
    (rules / "probe.yaml").write_text(COMPARE_RULES, encoding="utf-8")
    program = compile(load_rules(rules))
    write_facts(tmp_path / "facts", [project(full_year=Decimal(full_year), executed=Decimal(executed))])
    reports = load_facts([tmp_path / "facts"])
    for backend in ("python", "durable"):
        found = {f.rule.split(".")[1] for f in evaluate(program, reports, backend=backend).findings}
        assert found == fired, backend


@needs_durable
@pytest.mark.parametrize("executed, flagged", [("0.69999999999999999", True), ("0.70000000000000001", False),
                                               ("0.7", False)])
def test_warning_line_decided_exactly_on_durable(program, tmp_path, executed, flagged):
    write_facts(tmp_path, [project(full_year=D("1"), executed=Decimal(executed))])
    findings = evaluate(program, load_facts([tmp_path]), backend="durable").findings
    assert any(f.rule == "execution.below-warning-line" for f in findings) == flagged


STRING_RULE = """rules:
  - id: probe.same-text
    title: 文字相等
    family: consistency
    severity: info
    subject: claim
    condition: claim.topic == claim.text
    message: 相等
    cite:
      - {source: mof-self-eval-notice, clause: 数据准确}
"""
TEXT = st.lists(st.sampled_from(list('ab "\\/\n\t{}:#\'%') + ["甲", "乙", "é", "😀", "\\u0041", "A"]),
                min_size=1, max_size=6).map("".join)


@pytest.fixture(scope="module")
def string_program(tmp_path_factory):
    rules = tmp_path_factory.mktemp("string-rules")
    shutil.copy(RULES / "sources.yaml", rules / "sources.yaml")
    (rules / "probe.yaml").write_text(STRING_RULE, encoding="utf-8")
    return compile(load_rules(rules))


@needs_durable
@settings(max_examples=40, deadline=None)
@given(left=TEXT, right=TEXT)
@example(left='a"b\\\n', right='a"b\\\n')
@example(left="\\u0041", right="A")
def test_strings_with_quotes_and_escapes_compare_alike(string_program, left, right):
    with tempfile.TemporaryDirectory() as folder:
        write_facts(Path(folder), [project()], claims=[claim("a", right, "项目个数", 1, topic=left)])
        reports = load_facts([folder])
    expected = "fired" if left == right else "passed"
    assert set(assert_agree(string_program, reports).values()) == {expected}


def many_rules(count: int) -> str:
    """`count` project rules, each firing for executed above its own threshold (0, 1, 2 ...)."""
    return "rules:\n" + "".join(f"""  - id: probe.above-{i}
    title: 执行超过 {i}
    family: consistency
    severity: info
    subject: project
    when: present(project.budget.executed)
    condition: project.budget.executed > {i} and project.budget.full_year >= 0
    message: "{{项目}} > {i}"
    cite:
      - {{source: mof-self-eval-notice, clause: 数据准确}}
""" for i in range(count))


@needs_durable
def test_rule_sets_larger_than_one_durable_fact_are_split_and_still_agree(tmp_path):
    from engine.backends.durable import MAX_PROPERTIES, DurableBackend

    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RULES / "sources.yaml", rules / "sources.yaml")
    (rules / "many.yaml").write_text(many_rules(150), encoding="utf-8")
    program = compile(load_rules(rules))
    backend = DurableBackend(program)
    assert len(backend.groups["project"]) >= 2  # 150 rules x 5 properties cannot fit in one fact
    assert all(sum(2 * len(c.leaves) + 1 for _, c in members) <= MAX_PROPERTIES
               for _, members in backend.groups["project"])
    write_facts(tmp_path / "facts", [project("甲", full_year=D("200"), executed=D("99.5")), project("乙", full_year=D("1"))])
    reports = load_facts([tmp_path / "facts"])
    outcomes = assert_agree(program, reports)
    fired = sorted(int(rule.rsplit("-", 1)[1]) for (rule, key), o in outcomes.items() if o == "fired")
    assert fired == list(range(100))  # 99.5 > 0 ... 99.5 > 99
    assert sum(o == "not-applicable" for o in outcomes.values()) == 150  # 乙 has no executed amount

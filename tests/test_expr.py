"""The rule expression language: parser, printer, static type checker and exact three-valued evaluator."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.catalog import SUBJECT_SCOPES
from engine.core.model import Budget, Claim, FactSource, Filter, Project, Quantity, Report, Score
from engine.expr import ExprSyntaxError, parse, to_source
from engine.expr import ast as A
from engine.expr.ast import without_positions
from engine.expr.check import Checker
from engine.expr.functions import FUNCTIONS

from .expr_value import traced, value_of

D = Decimal
PARAM_TYPES = {"exec_warning_line": "num", "grade_bands": "table[str]", "grade_vocabulary": "map",
               "collaboration_documents": "list[str]"}


# ---- parse and print -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "project.budget.executed / project.budget.full_year < param.exec_warning_line",
    "a - (b - c)", "a - b - c", "(a + b) * c", "a / (b * c)", "-(a + b)", "--a", "-a * b",
    "not (a and b)", "not a == b", "(not a) == b", "a or b and c", "(a or b) and c", "(a and b) and c",
    "x in [1, 2, 3]", "x not in param.y", "[]",
    "sum(p.x for p in r.ps if p.y > 1 and p.z)", "any(a or b for x in y)", "count(x for x in y if (a or b))",
    "f(a, \"s\\\"q\")", "70%", "0.70", "a <= 0.70", "true and null", "abs(-3)", "(a < b) == true",
    "has(param.grade_vocabulary, project.score.grade)",
])
def test_round_trip_of_written_expressions(text):
    node = parse(text)
    printed = to_source(node)
    assert without_positions(parse(printed)) == without_positions(node)
    assert to_source(parse(printed)) == printed


@pytest.mark.parametrize("text, printed", [
    ("a ≤ b", "a <= b"), ("a ≥ b", "a >= b"), ("a ≠ b", "a != b"), ("“中文”", '"中文"'), ("'单引号'", '"单引号"'),
    ("((a))", "a"), ("count(p for p in (a + b))", "count(p for p in a + b)"),
])
def test_printing_normalises_spelling(text, printed):
    assert to_source(parse(text)) == printed


def test_percent_literal_is_exact():
    node = parse("70%")
    assert node == A.Num(0, D("0.70"), "70%")
    assert parse("65.66%").value == D("0.6566")
    assert parse("0.70").value == D("0.70") and parse("0.70").text == "0.70"


NAMES = st.sampled_from(["a", "b", "report", "project", "p", "x1", "budget", "full_year"])


def nodes():
    leaves = st.one_of(
        st.builds(lambda d: A.Num(0, d, str(d)), st.decimals(min_value=0, max_value=10**6, places=2)),
        st.builds(lambda d: A.Num(0, d.scaleb(-2), f"{d}%"), st.decimals(min_value=0, max_value=200, places=1)),
        st.builds(lambda s: A.Str(0, s), st.text(max_size=6)),
        st.builds(lambda v: A.Const(0, v), st.sampled_from([True, False, None])),
        st.builds(lambda parts: A.Path(0, tuple(parts)), st.lists(NAMES, min_size=1, max_size=3)),
    )

    def extend(children):
        return st.one_of(
            st.builds(lambda items: A.ListLit(0, tuple(items)), st.lists(children, max_size=3)),
            st.builds(lambda n, args: A.Call(0, n, tuple(args)), st.sampled_from(["abs", "band", "f"]),
                      st.lists(children, max_size=3)),
            st.builds(lambda n, e, v, i, c: A.Comprehension(0, n, e, v, i, c),
                      st.sampled_from(["sum", "count", "any", "first"]), children, NAMES, children,
                      st.none() | children),
            st.builds(lambda o: A.Unary(0, "-", o), children),
            st.builds(lambda op, l, r: A.Binary(0, op, l, r), st.sampled_from("+-*/"), children, children),
            st.builds(lambda op, l, r: A.Compare(0, op, l, r),
                      st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]), children, children),
            st.builds(lambda op, items: A.Logic(0, op, tuple(items)), st.sampled_from(["and", "or"]),
                      st.lists(children, min_size=2, max_size=3)),
            st.builds(lambda o: A.Not(0, o), children),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(nodes())
def test_round_trip_property(node):
    printed = to_source(node)
    assert without_positions(parse(printed)) == without_positions(node), printed


# ---- syntax errors --------------------------------------------------------------

@pytest.mark.parametrize("text, pos, words, suggestion", [
    ("a +", 3, "表达式结尾", ""),
    ("a = b", 2, "“=”", "=="),
    ("a < b < c", 6, "不能连写", "a < b and b < c"),
    ("(a + b", 6, "右括号", ""),
    ("a $ b", 2, "“$”", ""),
    ("f(x for 1 in y)", 8, "变量名", ""),
    ("a（b", 1, "“（”", "半角"),
    ("a b", 2, "多余的内容", "and / or"),
    ("a.", 2, "字段名", ""),
    ("[1, 2", 5, "右方括号", ""),
    ("", 0, "表达式结尾", ""),
])
def test_syntax_errors_point_at_the_column(text, pos, words, suggestion):
    with pytest.raises(ExprSyntaxError) as caught:
        parse(text)
    assert caught.value.pos == pos
    assert words in caught.value.message
    assert suggestion in caught.value.suggestion


def test_overlong_and_overdeep_expressions_are_refused():
    with pytest.raises(ExprSyntaxError, match="过长"):
        parse("a + " * 2000 + "a")
    with pytest.raises(ExprSyntaxError, match="嵌套过深"):
        parse("(" * 100 + "a" + ")" * 100)


# ---- static type check ----------------------------------------------------------

def check(text, subject="project"):
    checker = Checker(SUBJECT_SCOPES[subject], PARAM_TYPES)
    result = checker.check(parse(text))
    return result, checker.problems


@pytest.mark.parametrize("text, subject, result", [
    ("project.budget.executed / project.budget.full_year < param.exec_warning_line", "project", "bool"),
    ("band(project.score.total, param.grade_bands)", "project", "str"),
    ("sum(p.budget.executed for p in report.projects)", "report", "num"),
    ("count(p for p in report.projects if p.score.total >= 90)", "report", "num"),
    ("list(d for d in project.departments_involved)", "project", "list[str]"),
    ("first(c.text for c in report.claims)", "claim", "str"),
    ("any(a.kind in param.collaboration_documents for a in project.approvals)", "project", "bool"),
    ("to_wan(indicator.target) > project.budget.full_year", "indicator", "bool"),
    ("year - 1", "report", "num"),
])
def test_well_typed_expressions(text, subject, result):
    assert check(text, subject) == (result, [])


def test_unknown_field_with_did_you_mean():
    _, [problem] = check("project.budget.executd > 1")
    assert "未知字段 “executd”" in problem.message
    assert problem.suggestion == "你是不是想写: executed?"


def test_unknown_root_name_with_did_you_mean():
    _, [problem] = check("projct.name == \"甲\"")
    assert "projct" in problem.message and "project" in problem.suggestion
    _, [problem] = check("indicator.name == \"甲\"")  # not visible in a project rule
    assert "可用的名称: project, report" == problem.suggestion


def test_unknown_parameter_with_did_you_mean():
    _, [problem] = check("project.budget.rate < param.exec_warn_line")
    assert problem.message == "未定义的参数 “exec_warn_line”"
    assert "exec_warning_line" in problem.suggestion
    assert problem.pos == len("project.budget.rate < ")


@pytest.mark.parametrize("text, words", [
    ("project.name < 1", "大小比较需要两个数值,实际为 str 和 num"),
    ("project.name == 1", "不能比较 str 与 num"),
    ("1 + \"a\"", "运算 + 需要数值"),
    ("not 1", "not 后面需要条件"),
    ("project.budget.full_year and true", "and 两边需要条件"),
    ("sum(p.name for p in report.projects)", "sum() 需要数值"),
    ("sum(p for p in project.name)", "for ... in 后面需要一个列表"),
    ("sum(project.indicators)", "sum() 需要写成 sum(表达式 for 变量 in 列表)"),
    ("abs(1, 2)", "abs() 需要 1 个参数"),
    ("abs(project.name)", "abs() 的参数类型应为 num"),
    ("1 in param.collaboration_documents", "不能在 list[str] 中查找 num"),
    ("project.budget.full_year.x > 1", "num 类型没有字段 “x”"),
    ("param > 1", "param 后面需要参数名"),
    ("count(p for p in report.projects if p.score.total)", "if 后面需要一个条件"),
])
def test_type_errors(text, words):
    _, problems = check(text)
    assert any(words in p.message for p in problems), [p.message for p in problems]


def test_unknown_functions_suggest_the_right_name():
    _, [problem] = check("avrg(p.score.total for p in report.projects) > 1")
    assert "avg" in problem.suggestion
    _, [problem] = check("ab(1) > 1")
    assert "abs" in problem.suggestion


def test_every_problem_is_collected():
    _, problems = check("project.budget.executd > param.exec_warn_line and project.nam == 1")
    assert len(problems) == 3


def test_comprehension_variable_does_not_leak():
    _, problems = check("sum(p.score.total for p in report.projects) > 0 and p.score.total > 0")
    assert [p.pos for p in problems] == [len("sum(p.score.total for p in report.projects) > 0 and ")]


# ---- evaluation -----------------------------------------------------------------

def make_project(name, full_year=None, executed=None, total=None, grade=None):
    budget = Budget(sources={"executed": FactSource("f.yaml", 7, "二(一) 表")}, full_year=full_year, executed=executed)
    return Project(name=name, budget=budget, score=Score(total=total, grade=grade))


REPORT = Report(department="测试局", year=2024, projects=[
    make_project("甲", D("8.3"), D("5.81"), D("90"), "良好"),
    make_project("乙", D("20"), D("10"), D("89.99"), "良"),
    make_project("丙", D("10"), None, None, None),
])
PARAMS = {"exec_warning_line": D("0.70"), "grade_vocabulary": {"良好": "良", "优秀": "优"},
          "grade_bands": ({"grade": "优", "min": D(90), "max": D(100), "include_max": True},
                          {"grade": "良", "min": D(80), "max": D(90), "include_max": False}),
          "collaboration_documents": ["协同备忘录"], "ended": None}


def ev(text, project=0):
    return value_of(text, {"report": REPORT, "project": REPORT.projects[project]}, PARAMS)


def ev_traced(text, project=0):
    return traced(text, {"report": REPORT, "project": REPORT.projects[project]}, PARAMS)


def test_exact_decimal_arithmetic():
    assert ev("project.budget.executed / project.budget.full_year") == D("0.7")
    assert ev("project.budget.executed / project.budget.full_year < param.exec_warning_line") is False
    assert ev("project.budget.executed / project.budget.full_year == 70%") is True
    assert ev("0.1 + 0.2 == 0.3") is True
    assert ev("year") == D(2024)


@pytest.mark.parametrize("text, value", [
    ("null and false", False), ("null and true", None), ("null and null", None),
    ("null or true", True), ("null or false", None), ("false or false", False),
    ("not (project.budget.executed > 1)", None),
    ("project.budget.executed > 1 or project.budget.full_year > 1", True),
    ("project.budget.executed > 1 and project.budget.full_year > 100", False),
])
def test_kleene_logic_with_missing_data(text, value):
    assert ev(text, project=2) is value


def test_missing_data_propagates_through_arithmetic_and_comparison():
    assert ev("project.budget.executed / project.budget.full_year", project=2) is None
    assert ev("project.budget.executed + 1 > 0", project=2) is None
    assert ev("project.score.grade == \"良\"", project=2) is None
    assert ev("-project.budget.executed", project=2) is None
    assert ev("param.ended > 1") is None


def test_division_by_zero_is_unknown_not_a_crash():
    assert ev("1 / 0") is None
    assert ev("1 / (project.budget.full_year - project.budget.full_year) < 1") is None


@pytest.mark.parametrize("text, value", [
    ("sum(p.budget.full_year for p in report.projects)", D("38.3")),
    ("sum(p.budget.executed for p in report.projects)", None),  # one project's amount is missing
    ("sum(p.budget.executed for p in report.projects if present(p.budget.executed))", D("15.81")),
    ("sum(p.budget.full_year for p in report.projects if p.budget.full_year > 100)", D(0)),
    ("count(p for p in report.projects)", D(3)),
    ("count(p for p in report.projects if p.score.total >= 90)", None),  # 丙 has no score: unknown
    ("count(p for p in report.projects if present(p.score.total) and p.score.total >= 90)", D(1)),
    ("avg(p.budget.full_year for p in report.projects)", D("12.76666666666666666666666666666667")),  # 34 digits
    ("avg(p.budget.full_year for p in report.projects if false)", None),
    ("min(p.budget.full_year for p in report.projects)", D("8.3")),
    ("max(p.budget.full_year for p in report.projects)", D("20")),
    ("any(p.budget.executed > 9 for p in report.projects)", True),  # 乙 decides it despite 丙
    ("any(p.budget.executed > 11 for p in report.projects)", None),  # only 丙 could still make it true
    ("all(p.budget.full_year > 5 for p in report.projects)", True),
    ("all(p.budget.executed > 6 for p in report.projects)", False),  # 甲 decides it
    ("all(p.budget.executed > 5 for p in report.projects)", None),
    ("first(p.name for p in report.projects if p.budget.full_year == 20)", "乙"),
    ("first(p.name for p in report.projects if p.budget.full_year == 1)", None),
    ("list(p.name for p in report.projects if p.budget.full_year >= 10)", ["乙", "丙"]),
])
def test_comprehensions(text, value):
    assert ev(text) == value


def test_first_is_unknown_when_an_undecided_item_comes_before_the_first_match():
    unknown_first = Report(department="测试局", year=2024,
                           projects=[REPORT.projects[2], REPORT.projects[0], REPORT.projects[1]])
    names = {"report": unknown_first}
    assert value_of("first(p.name for p in report.projects if p.budget.executed > 5)", names, PARAMS) is None
    assert value_of("first(p.name for p in report.projects if p.budget.full_year > 9)", names, PARAMS) == "丙"
    # an undecided item after the first match does not matter
    assert ev("first(p.name for p in report.projects if p.budget.executed > 5)") == "甲"


def test_functions():
    assert ev("band(project.score.total, param.grade_bands)") == "优"  # exactly 90
    assert ev("band(project.score.total, param.grade_bands)", project=1) == "良"  # 89.99
    assert ev("band(100, param.grade_bands)") == "优"  # include_max
    assert ev("band(100.01, param.grade_bands)") is None
    assert ev("lookup(param.grade_vocabulary, project.score.grade)") == "良"
    assert ev("has(param.grade_vocabulary, \"优良\")") is False
    assert ev("has(param.grade_vocabulary, project.score.grade)", project=2) is None
    assert ev("unit(65.66%)") == D("0.0001")
    assert ev("unit(project.budget.full_year)") == D("0.1")
    assert ev("unit(100)") == D(1)
    assert ev("abs(-2.5)") == D("2.5")
    assert ev("len(report.projects)") == D(3)
    assert ev("wan(120000, \"元\")") == D(12)
    assert ev("wan(1, \"亿元\")") == D(10000)
    assert ev("wan(1, \"个\")") is None
    assert ev("round(2.345, 2)") == D("2.35")
    assert ev("coalesce(project.budget.executed, 0)", project=2) == D(0)
    assert ev("choose(1 > 0, \"甲\", \"乙\")") == "甲"
    assert ev("choose(null, 1, 2)") is None
    assert ev("present(project.score.grade)") is True
    assert ev("present(project.score.grade)", project=2) is False
    assert ev("\"协同备忘录\" in param.collaboration_documents") is True
    assert ev("\"良好\" in param.grade_vocabulary") is True


def test_quantities_and_claim_filters():
    assert FUNCTIONS["to_wan"][2](Quantity(op="≤", value=D("102.5"), unit="万元")) == D("102.5")
    assert FUNCTIONS["to_wan"][2](Quantity(op="≤", value=D("200000"), unit="元")) == D(20)
    assert FUNCTIONS["to_wan"][2](Quantity(op="≥", value=D("95"), unit="%")) is None
    satisfies = FUNCTIONS["satisfies"][2]
    assert satisfies(REPORT.projects[0], Filter(field="得分", op=">=", value=D(90))) is True
    assert satisfies(REPORT.projects[1], Filter(field="得分", op=">=", value=D(90))) is False
    assert satisfies(REPORT.projects[2], Filter(field="得分", op=">=", value=D(90))) is None
    assert satisfies(REPORT.projects[0], Filter(field="不存在", op="==", value=D(1))) is None


def test_every_builtin_is_total_on_missing_input():
    for name, (arg_types, _, body) in FUNCTIONS.items():
        result = body(*([None] * len(arg_types)))
        assert result in (None, False), name


def test_trace_records_facts_with_their_sources():
    _, facts, params = ev_traced("project.budget.executed / project.budget.full_year < param.exec_warning_line")
    used = {path: (value, source) for path, value, source, _ in facts}
    assert set(used) == {"project.budget.executed", "project.budget.full_year"}
    assert used["project.budget.executed"][1] == FactSource("f.yaml", 7, "二(一) 表")
    assert used["project.budget.executed"][0] == D("5.81")
    assert params == ["exec_warning_line"]


def test_trace_keeps_only_the_items_an_aggregate_rests_on():
    value, facts, _ = ev_traced("first(p.name for p in report.projects if p.budget.full_year == 20)")
    assert value == "乙"
    names = [value for path, value, _, _ in facts if path == "p.name"]
    assert names == ["乙"]


def test_claims_are_records_too():
    claim = Claim(id="c1", text="7个项目", measure="项目个数", value=D(7))
    scope = {"claim": claim, "report": REPORT}
    assert value_of("claim.value != len(report.projects)", scope, PARAMS) is True


# ---- the auditors' reference stays complete -----------------------------------

def test_rules_format_doc_lists_every_field_and_builtin():
    from engine.core.catalog import RECORDS
    from engine.expr.parser import COMPREHENSION_FUNCS

    from .conftest import ROOT

    doc = (ROOT / "docs" / "rules-format.md").read_text(encoding="utf-8")
    sections = {}
    for chunk in doc.split("\n#### ")[1:]:
        heading, _, body = chunk.partition("\n")
        record = next((word for word in re.findall(r"[A-Za-z]+", heading) if word in RECORDS), None)
        if record:
            sections[record] = body.split("\n## ")[0]
    missing = [f"{record}.{name}" for record, fields in RECORDS.items() for name in fields
               if f"| `{name}` |" not in sections.get(record, "")]
    assert missing == [], "document these fields in docs/rules-format.md section 5.4"
    undocumented = [name for name in list(FUNCTIONS) + sorted(COMPREHENSION_FUNCS) if f"`{name}(" not in doc]
    assert undocumented == [], "document these functions in docs/rules-format.md section 5.3"

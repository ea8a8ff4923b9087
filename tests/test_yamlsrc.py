"""YAML loading: exact numbers, located nodes, and the traps PyYAML would hide turned into errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.load.yamlsrc import load_yaml_file, load_yaml_text


def load(text):
    return load_yaml_text(text, "f.yaml")


def only_problem(text):
    doc, problems = load(text)
    assert doc is None
    assert len(problems) == 1, [p.render() for p in problems]
    return problems[0]


def test_values_and_their_positions():
    doc, problems = load("department: 城管局\nprojects:\n  - name: 甲\n    budget: {full_year: 170.35}\n")
    assert problems == []
    assert doc.data == {"department": "城管局", "projects": [{"name": "甲", "budget": {"full_year": Decimal("170.35")}}]}
    assert doc.where(("projects", 0, "budget", "full_year")) == (4, 25)
    assert doc.key_where(("projects", 0, "name")) == (3, 5)
    assert doc.line(("projects", 0, "name")) == 3
    # a path that was never written falls back to its nearest written ancestor
    assert doc.where(("projects", 0, "score", "total")) == doc.where(("projects", 0))


def test_duplicate_key_is_an_error_naming_both_lines():
    problem = only_problem("name: 甲\nbudget:\n  full_year: 10\n  executed: 5\n  full_year: 20\n")
    assert (problem.line, problem.column) == (5, 3)
    assert "重复的键 “full_year”" in problem.message
    assert "第 3 行" in problem.message
    assert problem.path == "budget.full_year"
    assert "丢弃" in problem.suggestion


def test_every_duplicate_key_is_reported():
    doc, problems = load("a: 1\nb: 2\na: 3\nb: 4\n")
    assert doc is None
    assert [(p.line, p.path) for p in problems] == [(3, "a"), (4, "b")]


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",
    "a: &x {c: 1}\nb: *x\n",
    "a: &x [1, 2]\nb: *x\n",
])
def test_aliases_are_rejected(text):
    problem = only_problem(text)
    assert "锚点/别名" in problem.message
    assert problem.path == "b"


def test_merge_key_is_rejected():
    problem = only_problem("base: {a: 1}\nother:\n  <<: {a: 1}\n  b: 2\n")
    assert "合并键" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize("text, value", [
    ("50.00", Decimal("50.00")),
    ("90.00", Decimal("90.00")),
    ("170.35", Decimal("170.35")),
    ("0.70", Decimal("0.70")),
    ("1_000.5", Decimal("1000.5")),
    ("100", 100),
    ("-3", -3),
])
def test_numbers_keep_their_printed_precision(text, value):
    doc, problems = load(f"x: {text}\n")
    assert problems == []
    assert doc.data["x"] == value
    assert type(doc.data["x"]) is type(value)
    # printed precision, not just value: 50.00 and 50.0 are different claims
    assert str(doc.data["x"]) == str(value)


def test_decimal_is_exact_where_a_float_is_not():
    doc, _ = load("a: 0.1\nb: 0.2\nc: 0.3\n")
    assert doc.data["a"] + doc.data["b"] == doc.data["c"]


@pytest.mark.parametrize("text, word", [
    (".inf", "非有限数"), ("-.inf", "非有限数"), (".nan", "非有限数"), (".NaN", "非有限数"),
    ("1.0e+5", "科学计数法"), ("2.5E-3", "科学计数法"),
    ("0x1F", "整数写法"), ("0b101", "整数写法"), ("1:30", "整数写法"),
])
def test_lossy_or_exotic_numbers_are_rejected(text, word):
    problem = only_problem(f"x: {text}\n")
    assert word in problem.message
    assert (problem.line, problem.column, problem.path) == (1, 4, "x")


def test_quoted_numbers_stay_text():
    doc, _ = load('rate: "50.00%"\nplain: 65.66%\n')
    assert doc.data == {"rate": "50.00%", "plain": "65.66%"}


def test_unsupported_tag_is_rejected():
    problem = only_problem("x: !!python/object:os.system echo\n")
    assert "不支持的 YAML 标签" in problem.message


@pytest.mark.parametrize("text", ["a:\n\tb: 1\n", "a: 1\n\tb: 2\n"])
def test_tab_indentation_gets_the_tab_suggestion(text):
    problem = only_problem(text)
    assert problem.message.startswith("YAML 语法错误")
    assert problem.line == 2
    assert "Tab" in problem.suggestion and "空格" in problem.suggestion


def test_syntax_error_has_line_and_column():
    problem = only_problem("a: 1\nb: [1, 2\nc: 3\n")
    assert problem.line >= 2 and problem.column >= 1
    assert "Tab" not in problem.suggestion and "括号" in problem.suggestion  # no tab here: the general hint


@pytest.mark.parametrize("text", ["", "   \n\n", "# 只有注释\n"])
def test_empty_file(text):
    problem = only_problem(text)
    assert problem.message == "文件为空"
    assert problem.line == 1


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + "部门: 城管局\n".encode("utf-8"))
    doc, problems = load_yaml_file(path, "bom.yaml")
    assert problems == []
    assert doc.data == {"部门": "城管局"}
    assert doc.key_where(("部门",)) == (1, 1)


def test_gbk_file_is_named_as_gbk(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("department: 杜集区城市管理局\nyear: 2024\n".encode("gbk"))
    doc, problems = load_yaml_file(path, "gbk.yaml")
    assert doc is None
    [problem] = problems
    assert problem.file == "gbk.yaml" and problem.line == 1
    assert "GBK" in problem.message
    assert "UTF-8" in problem.suggestion


def test_gbk_error_points_at_the_first_non_utf8_line(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(b"year: 2024\nunit: wan\n" + "department: 城管局\n".encode("gbk"))
    _, [problem] = load_yaml_file(path, "gbk.yaml")
    assert problem.line == 3


def test_utf16_file_is_not_read_as_text(tmp_path):
    path = tmp_path / "u16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    _, [problem] = load_yaml_file(path, "u16.yaml")
    assert "UTF-16" in problem.message


def test_missing_file(tmp_path):
    doc, [problem] = load_yaml_file(tmp_path / "absent.yaml", "absent.yaml")
    assert doc is None
    assert "无法读取" in problem.message


def test_deep_nesting_is_refused_not_a_crash():
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    doc, problems = load(text)
    assert doc is None
    assert any("嵌套层数过深" in p.message for p in problems)

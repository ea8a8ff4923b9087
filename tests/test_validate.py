"""Schema validation: errors located at file:line:column, in Chinese, with suggestions, all in one run."""
from __future__ import annotations

import pytest

from engine import InputError, load_facts
from engine.load.validate import validate_document
from engine.load.yamlsrc import load_yaml_text

from .factsfile import D, facts_data, facts_text, project, to_yaml, write_facts


def problems_in(text, schema="facts"):
    doc, problems = load_yaml_text(text, "f.yaml")
    assert problems == [], problems
    return sorted(validate_document(doc, schema))


def line_of(text, needle):
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_minimal_facts_file_is_valid():
    assert problems_in(facts_text()) == []


def test_unknown_field_gives_did_you_mean_at_the_key():
    text = facts_text().replace("section: \"二(一) 表 第1行\"", "section: \"二(一) 表 第1行\"\n      exectued: 5.00")
    [problem] = problems_in(text)
    assert problem.message == "未知字段 “exectued”"
    assert (problem.line, problem.column) == line_of(text, "exectued")
    assert problem.path == "projects[0].budget.exectued"
    assert "executed" in problem.suggestion and problem.suggestion.startswith("你是不是想写")
    assert "full_year" in problem.expected


def test_unknown_top_level_field():
    text = facts_text() + "totel: {section: x}\n"
    [problem] = problems_in(text)
    assert (problem.line, problem.column) == line_of(text, "totel")
    assert "totals" in problem.suggestion


def test_missing_required_field():
    data = facts_data()
    del data["projects"][0]["name"]
    text = to_yaml(data) + "\n"
    [problem] = problems_in(text)
    assert problem.message == "缺少必填字段 “name”"
    assert problem.path == "projects[0]"
    assert problem.line == line_of(text, "budget:")[0]


def test_missing_top_level_fields_each_reported():
    problems = problems_in("department: 测试局\nyear: 2024\n")
    # projects may be absent since facts format v2 (a free-text report has no project table)
    assert sorted(p.message for p in problems) == sorted(f"缺少必填字段 “{k}”" for k in ("document", "unit"))


def test_budget_with_unit_gets_the_drop_the_unit_hint():
    text = facts_text([project(full_year="170.35万")])
    [problem] = problems_in(text)
    assert problem.message.startswith("类型错误") and "170.35万" in problem.message
    assert problem.expected == "数字"
    assert "去掉单位" in problem.suggestion
    assert (problem.line, problem.column) == line_of(text, '"170.35万"')


@pytest.mark.parametrize("value, hint", [("170.35", "去掉引号"), ("１７０.３５", "半角")])
def test_number_written_as_text_hints(value, hint):
    [problem] = problems_in(facts_text([project(full_year=value)]))
    assert hint in problem.suggestion


def test_rate_must_be_a_printed_percentage():
    [problem] = problems_in(facts_text([project(rate="0.6566")]))
    assert problem.path == "projects[0].budget.rate"
    assert "65.66%" in problem.expected


def test_enum_with_did_you_mean():
    data = facts_data([project(indicators=[{"name": "x", "kind": "产出数量", "section": "s"}])])
    [problem] = problems_in(to_yaml(data) + "\n")
    assert problem.path == "projects[0].indicators[0].kind"
    assert "产出-数量" in problem.suggestion


def test_wrong_unit_constant():
    [problem] = problems_in(facts_text().replace('unit: "万元"', 'unit: "千元"'))
    assert problem.path == "unit" and problem.expected == "万元 / 元"


def test_year_out_of_range():
    [problem] = problems_in(facts_text(year=24))
    assert problem.path == "year" and "不能小于" in problem.expected


def test_all_errors_in_one_run():
    data = facts_data([project(full_year="20万元", executed=D("5")), project("乙", total="九十")])
    data["projects"][0]["budget"]["exectued"] = D("1")
    data["projcts"] = []
    problems = problems_in(to_yaml(data) + "\n")
    assert {p.path for p in problems} == {"projects[0].budget.full_year", "projects[0].budget.exectued",
                                          "projects[1].score.total", "projcts"}


def test_errors_across_files_reported_together_with_file_and_line(tmp_path):
    first = write_facts(tmp_path, [project(full_year="20万元")], department="甲局")
    second = write_facts(tmp_path, [project(total="九十")], department="乙局")
    (tmp_path / "broken.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_facts([tmp_path])
    diagnostics = caught.value.diagnostics
    files = {d.file.rsplit("/", 1)[-1] for d in diagnostics}
    assert files == {first.name, second.name, "broken.yaml"}
    assert all(d.line > 0 for d in diagnostics)
    rendered = caught.value.render()
    assert f"{first.name}:" in rendered and "去掉单位" in rendered


def test_rules_schema_unknown_rule_field():
    text = """rules:
  - id: a.b
    title: 标题
    family: grading
    severity: error
    subject: project
    condtion: project.score.total > 1
    message: x
    cite: [{source: s, clause: c}]
"""
    problems = problems_in(text, "rules")
    messages = {p.message for p in problems}
    assert messages == {"未知字段 “condtion”", "缺少必填字段 “condition”"}
    unknown = next(p for p in problems if "未知字段" in p.message)
    assert (unknown.line, unknown.column) == (7, 5)
    assert "condition" in unknown.suggestion


def test_rules_schema_family_and_severity_enums():
    text = """rules:
  - id: a.b
    title: 标题
    family: grade
    severity: warn
    subject: project
    condition: "true"
    message: x
    cite: [{source: s, clause: c}]
"""
    problems = problems_in(text, "rules")
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"rules[0].family", "rules[0].severity"}
    assert "grading" in by_path["rules[0].family"].suggestion
    assert "warning" in by_path["rules[0].severity"].suggestion


def test_unverified_clause_may_not_carry_a_quote():
    text = """sources:
  - id: doc
    title: 文件
    clauses:
      - {id: 第一条, verification: unverified, quote: 凭记忆写的原文}
"""
    [problem] = problems_in(text, "rules")
    assert problem.path == "sources[0].clauses[0].quote"


def test_rule_id_pattern():
    text = """rules:
  - id: BadId
    title: 标题
    family: grading
    severity: error
    subject: project
    condition: "true"
    message: x
    cite: [{source: s, clause: c}]
"""
    [problem] = problems_in(text, "rules")
    assert problem.path == "rules[0].id"
    assert "小写英文" in problem.expected

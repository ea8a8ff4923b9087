"""Static checks on rule files beyond the schema, run on edited copies of the shipped rules."""
from __future__ import annotations

import json

import shutil

import pytest

from engine import InputError, compile, load_facts, load_rules
from engine.cli import cli
from engine.core.model import ReportScope

from .conftest import RULES
from .factsfile import D, project, write_facts


@pytest.fixture
def rules_dir(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path, needle):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def errors(rules_dir):
    with pytest.raises(InputError) as caught:
        load_rules(rules_dir)
    return caught.value.diagnostics


def test_shipped_rules_load(ruleset):
    assert len(ruleset.rules) >= 20
    families = {rule.family for rule in ruleset.rules}
    assert families >= {"grading", "execution-rate", "indicator-review", "cross-department", "consistency"}


def test_unknown_field_in_a_condition(rules_dir):
    path = rules_dir / "execution-rate.yaml"
    edit(path, "condition: project.budget.executed / project.budget.full_year < param.exec_warning_line",
         "condition: project.budget.execute / project.budget.full_year < param.exec_warning_line")
    [problem] = errors(rules_dir)
    assert problem.file.endswith("execution-rate.yaml")
    assert problem.line == line_of(path, "project.budget.execute /")
    assert problem.column == len("    condition: ") + 1
    assert problem.path == "execution.below-warning-line.condition"
    assert "未知字段 “execute”" in problem.message
    assert "executed" in problem.suggestion
    assert "project.budget.execute / project.budget.full_year" in problem.expected  # the expression with a caret
    assert problem.expected.rstrip().endswith("^")


def test_unknown_parameter_with_caret_under_it(rules_dir):
    edit(rules_dir / "execution-rate.yaml", "< param.exec_warning_line\n", "< param.exec_warn_line\n")
    [problem] = errors(rules_dir)
    assert problem.message == "未定义的参数 “exec_warn_line”"
    assert "exec_warning_line" in problem.suggestion
    expression, caret = problem.expected.splitlines()[1:3]
    assert caret.index("^") == expression.index("param.exec_warn_line")


def test_syntax_error_in_evidence(rules_dir):
    edit(rules_dir / "execution-rate.yaml", "      预警线: param.exec_warning_line\n",
         "      预警线: param.exec_warning_line +\n")
    [problem] = errors(rules_dir)
    assert problem.path == "execution.below-warning-line.evidence.预警线"
    assert problem.message.startswith("表达式语法错误")


def test_condition_must_be_a_condition(rules_dir):
    edit(rules_dir / "grading.yaml", "condition: project.score.total < 0 or project.score.total > 100",
         "condition: project.score.total")
    [problem] = errors(rules_dir)
    assert problem.path == "grading.score-out-of-range.condition"
    assert "应是一个条件" in problem.message


def test_unknown_source_with_did_you_mean(rules_dir):
    path = rules_dir / "cross-department.yaml"
    edit(path, "      - {source: dujiqu-cgj-2024, clause: 四(二)3}", "      - {source: dujiqu-cgj-2042, clause: 四(二)3}")
    [problem] = errors(rules_dir)
    assert problem.message == "未登记的政策来源 “dujiqu-cgj-2042”"
    assert problem.line == line_of(path, "dujiqu-cgj-2042")
    assert problem.path.endswith("cite[1].source")
    assert "dujiqu-cgj-2024" in problem.suggestion


def test_unknown_clause_with_did_you_mean(rules_dir):
    edit(rules_dir / "cross-department.yaml", "clause: 四(二)3}", "clause: 四(二)三}")
    [problem] = errors(rules_dir)
    assert problem.message == "来源 “dujiqu-cgj-2024” 没有条款 “四(二)三”"
    assert "四(二)3" in problem.expected
    assert problem.suggestion.startswith("你是不是想写")


def test_unknown_clause_in_a_parameter_citation(rules_dir):
    edit(rules_dir / "parameters.yaml", "          - {source: sichuan-2023-form, clause: 填表说明1}",
         "          - {source: sichuan-2023-form, clause: 填表说明9}")
    [problem] = errors(rules_dir)
    assert problem.file.endswith("parameters.yaml")
    assert "填表说明1" in problem.suggestion


def test_duplicate_rule_id_across_two_files(rules_dir):
    extra = rules_dir / "extra.yaml"
    extra.write_text("""rules:
  - id: grading.band-mismatch
    title: 重复的规则
    family: grading
    severity: info
    subject: project
    condition: project.score.total > 1
    message: 重复
    cite:
      - {source: caiyu-2020-10, clause: 评价等级}
""", encoding="utf-8")
    [problem] = errors(rules_dir)
    assert "规则 “grading.band-mismatch” 重复" in problem.message
    # one location is the problem, the other is named in the message
    files = {problem.file.rsplit("/", 1)[-1], problem.message.rsplit("于 ", 1)[1].split(":")[0].rsplit("/", 1)[-1]}
    assert files == {"extra.yaml", "grading.yaml"}


def test_duplicate_source_and_clause(rules_dir):
    edit(rules_dir / "sources.yaml", "      - id: 四(一)3\n", "      - id: 四(一)1\n")
    [problem] = errors(rules_dir)
    assert "条款 “四(一)1” 重复" in problem.message


def test_message_naming_an_undefined_evidence_label(rules_dir):
    path = rules_dir / "execution-rate.yaml"
    edit(path, "低于预警线 {预警线:pct}", "低于预警线 {预警:pct}")
    [problem] = errors(rules_dir)
    assert problem.message == "消息模板引用了未定义的证据 “预警”"
    assert problem.line == line_of(path, "{预警:pct}")
    assert "预警线" in problem.suggestion


def test_message_with_unknown_format(rules_dir):
    edit(rules_dir / "execution-rate.yaml", "低于预警线 {预警线:pct}", "低于预警线 {预警线:percent}")
    [problem] = errors(rules_dir)
    assert problem.message == "未知的格式 “percent”"


def test_grade_bands_must_be_contiguous(rules_dir):
    edit(rules_dir / "parameters.yaml", "{grade: 良, min: 80, max: 90}", "{grade: 良, min: 80, max: 89}")
    [problem] = errors(rules_dir)
    assert "等级档次不连续" in problem.message and "良" in problem.message


def test_ratio_out_of_range(rules_dir):
    edit(rules_dir / "parameters.yaml", "        value: 0.70\n", "        value: 70\n")
    [problem] = errors(rules_dir)
    assert "超出合理范围" in problem.message and "0.70" in problem.expected


def test_all_problems_reported_in_one_run(rules_dir):
    edit(rules_dir / "execution-rate.yaml", "< param.exec_warning_line\n", "< param.exec_warn_line\n")
    edit(rules_dir / "grading.yaml", "{项目}总分 {总分} 分超出", "{项目}总分 {总数} 分超出")
    edit(rules_dir / "cross-department.yaml", "clause: 四(二)3}", "clause: 四(二)三}")
    problems = errors(rules_dir)
    assert {p.file.rsplit("/", 1)[-1] for p in problems} == {"execution-rate.yaml", "grading.yaml",
                                                           "cross-department.yaml"}


def test_schema_errors_stop_before_static_checks_but_all_files_are_validated(rules_dir):
    edit(rules_dir / "grading.yaml", "    severity: warning\n", "    severity: warn\n")
    edit(rules_dir / "execution-rate.yaml", "    family: execution-rate\n    severity: info\n",
         "    family: execution\n    severity: info\n")
    problems = errors(rules_dir)
    assert {p.path for p in problems} == {"rules[1].severity", "rules[1].family"}


# ---- parameters in force for the evaluated year ---------------------------------

def end_warning_line_in(rules_dir, year):
    edit(rules_dir / "parameters.yaml", """          - {source: dujiqu-cgj-2024, clause: 四(二)2}
""", f"""          - {{source: dujiqu-cgj-2024, clause: 四(二)2}}
      {year}:
        value: null
        cite:
          - {{source: dujiqu-cgj-2024, clause: 四(二)2}}
""")


def test_parameter_ended_with_null_takes_its_rules_out_of_force(rules_dir, tmp_path):
    end_warning_line_in(rules_dir, 2025)
    program = compile(load_rules(rules_dir))
    parameter = program.ruleset.parameters["exec_warning_line"]
    covered = frozenset({"national", "dujiqu-cgj"})  # the line is the unit's own measure
    at = {year: ReportScope(year, covered) for year in (2024, 2025)}
    assert parameter.value_for(at[2024]).value == D("0.70")
    assert parameter.value_for(at[2025]) is None
    rule = next(c for c in program.rules if c.rule.id == "execution.below-warning-line")
    assert program.in_force(rule, at[2024]) and not program.in_force(rule, at[2025])
    assert rule not in program.for_subject("project", at[2025])
    assert "execution.below-warning-line" not in {rule_id for rule_id, _ in program.not_in_force(at[2024])}
    assert ("execution.below-warning-line", ("exec_warning_line",)) in program.not_in_force(at[2025])


def test_a_year_without_parameter_values_is_evaluated_and_says_what_did_not_apply(runner, rules_dir, tmp_path):
    # a rule in force in every year that uses a parameter whose first value is 2024: a 2023 report is
    # evaluated without it (listed as not applied), never refused as invalid input
    path = rules_dir / "execution-rate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    effective: {from: 2024}", "", 1), encoding="utf-8")
    facts = write_facts(tmp_path / "facts", [project(full_year=D("10"), executed=D("1"))], year=2023)
    result = runner.invoke(cli, ["check", "--rules", str(rules_dir), str(facts)])
    assert result.exit_code == 0, result.output
    assert "条规则在 2023 年无参数取值，未适用" in result.stdout
    assert "execution.below-warning-line（缺参数 exec_warning_line）" in result.stdout
    result = runner.invoke(cli, ["evaluate", "--rules", str(rules_dir), "--format", "json", str(facts)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "execution.below-warning-line" not in {f["rule"] for f in document["findings"]}
    assert {"year": 2023, "rule": "execution.below-warning-line", "missing_parameters": ["exec_warning_line"],
            "reports": 1} in document["summary"]["not_in_force"]
    text = runner.invoke(cli, ["evaluate", "--rules", str(rules_dir), str(facts)]).stdout
    assert "在 2023 年无参数取值，未适用（1 份报告）：" in text


def test_shipped_rules_not_yet_in_force_skip_an_earlier_year(runner, tmp_path):
    facts = write_facts(tmp_path / "facts", [project(full_year=D("10"), executed=D("1"))], year=2023)
    result = runner.invoke(cli, ["evaluate", "--rules", str(RULES), "--format", "json", str(facts)])
    assert result.exit_code == 0, result.output
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "execution.below-warning-line" not in rules  # in force from 2024 only
    assert "execution.explanation-missing" in rules  # its parameter has a 2023 value


def test_check_with_facts_passes_when_parameters_are_in_force(runner, tmp_path):
    facts = write_facts(tmp_path / "facts", [project()], year=2024)
    result = runner.invoke(cli, ["check", "--rules", str(RULES), str(facts)])
    assert result.exit_code == 0, result.output
    assert "事实文件 1 份" in result.stdout


def test_two_facts_files_for_one_department_year(tmp_path):
    write_facts(tmp_path, [project("甲")], filename="a.yaml")
    write_facts(tmp_path, [project("乙")], filename="b.yaml")
    write_facts(tmp_path, [project("丙")], filename="c.yaml", year=2025)  # another year is fine
    with pytest.raises(InputError) as caught:
        load_facts([tmp_path])
    [problem] = caught.value.diagnostics
    assert problem.file.endswith("b.yaml")
    assert "a.yaml" in problem.message and "测试局 2024" in problem.message
    assert "一个文件" in problem.suggestion


def test_the_same_file_given_twice_is_read_once(tmp_path):
    path = write_facts(tmp_path, [project()])
    assert len(load_facts([path, tmp_path])) == 1

"""perfaudit explain: why a project was (or was not) flagged, from the same compiled rules as evaluate."""
from __future__ import annotations

import ast
import json
from decimal import Decimal

import pytest

from engine import compile as compile_rules
from engine import evaluate
from engine.analysis.explain import explain_project
from engine.backends import FIRED, NOT_APPLICABLE, PASSED, UNKNOWN
from engine.cli import cli

from .conftest import BACKENDS, FACTS_2024, ROOT, RULES

SEED_FILE = FACTS_2024 / "杜集区城市管理局.yaml"
WORKED_EXAMPLE = "全年执行 / 全年预算 = 111.85 / 170.35 = 65.66% < 预警线 70% → 成立"


def run(runner, *args):
    return runner.invoke(cli, ["explain", str(FACTS_2024), "--rules", str(RULES), *args])


def seed_line(text: str) -> int:
    """Line of the seed facts file holding text (so the test does not hard-code line numbers)."""
    lines = SEED_FILE.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def only(explanation, rule, subject=None):
    found = [e for p in explanation.projects for e in p.rules + p.report_rules
             if e.rule == rule and (subject is None or e.subject == subject)]
    assert len(found) == 1, (rule, subject, found)
    return found[0]


# ---- the explanation agrees with evaluate ----------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_agrees_with_evaluate_for_every_rule_and_project(backend, ruleset, seed_reports):
    program = compile_rules(ruleset)
    findings = evaluate(program, seed_reports, backend=backend).findings
    report = seed_reports[0]
    explained_report_level = None
    for project in report.projects:
        explanation = explain_project(program, seed_reports, project.name, backend=backend)
        (p,) = explanation.projects
        for outcome in (FIRED, UNKNOWN):
            mine = {(e.rule, e.subject) for e in p.rules if e.outcome == outcome}
            theirs = {(f.rule, f.subject) for f in findings if f.project == project.name and f.outcome == outcome}
            assert mine == theirs, (project.name, outcome)
        # every project rule in force is explained for the project, fired or not
        project_rules = {c.rule.id for c in program.for_subject("project", program.ruleset.scope_of(report))}
        assert project_rules <= {e.rule for e in p.rules if e.subject_kind == "project"}
        assert all(e.outcome in (FIRED, PASSED, NOT_APPLICABLE, UNKNOWN) for e in p.rules)
        level = {(e.rule, e.subject, e.outcome) for e in p.report_rules}
        assert explained_report_level in (None, level)  # the same for every project
        explained_report_level = level
    report_level = {(r, s) for r, s, o in explained_report_level if o == FIRED}
    assert report_level == {(f.rule, f.subject) for f in findings if f.project is None and f.outcome == FIRED}


def test_every_fired_explanation_carries_the_findings_message(ruleset, seed_reports):
    explanation = explain_project(compile_rules(ruleset), seed_reports, "智慧城管", backend="python")
    findings = {(f.rule, f.subject): f.message for f in evaluate(ruleset, seed_reports, backend="python").findings}
    fired = [e for e in explanation.projects[0].rules if e.outcome == FIRED]
    assert fired
    for e in fired:
        assert e.message == findings[(e.rule, e.subject)]


# ---- what the explanation says -----------------------------------------------------------


def test_worked_example_for_execution_rate(runner):
    result = run(runner, "--project", "智慧城管", "--detail")  # the full tree; the default view: test_explain_plain
    assert result.exit_code == 0, result.output
    assert WORKED_EXAMPLE in result.output
    assert "[触发] execution.below-warning-line" in result.output


def test_parameter_shows_value_year_and_citation(ruleset, seed_reports):
    e = only(explain_project(compile_rules(ruleset), seed_reports, "智慧城管", backend="python"),
             "execution.below-warning-line")
    (param,) = e.parameters
    assert (param.name, param.text, param.from_year) == ("exec_warning_line", "70%", 2024)
    assert param.value == Decimal("0.70")
    (citation,) = param.citations
    assert (citation.source, citation.clause, citation.verification) == ("dujiqu-cgj-2024", "四(二)2", "primary")
    assert param.location.file.endswith("parameters.yaml") and param.location.line > 0


def test_facts_show_file_line_and_report_section(ruleset, seed_reports):
    e = only(explain_project(compile_rules(ruleset), seed_reports, "智慧城管", backend="python"),
             "execution.below-warning-line")
    facts = {(f.label, f.line, f.section) for f in e.facts}
    assert ("全年执行(万元)", seed_line("executed: 111.85"), "二(一) 表 第1行") in facts
    assert ("全年预算(万元)", seed_line("full_year: 170.35"), "二(一) 表 第1行") in facts
    assert all(f.file.endswith("杜集区城市管理局.yaml") for f in e.facts)


def test_near_miss_for_a_project_above_the_warning_line(runner, ruleset, seed_reports):
    e = only(explain_project(compile_rules(ruleset), seed_reports, "城管进社区", backend="python"),
             "execution.below-warning-line")
    assert e.outcome == PASSED
    (step,) = e.deciding
    assert step.value is False
    assert step.margin.percentage_points
    assert step.margin.difference.quantize(Decimal("0.0001")) == Decimal("0.2428")
    assert step.margin.relative.quantize(Decimal("0.0001")) == Decimal("0.3469")
    output = run(runner, "--project", "城管进社区", "--detail").output
    assert "执行率 = 全年执行 / 全年预算 = 33.79 / 35.84 = 94.28% < 预警线 70% → 不成立" in output
    assert "执行率 比 预警线 高 24.28 个百分点(相当于 预警线 的 34.69%)" in output


def test_compound_condition_names_the_failing_part(ruleset, tmp_path):
    """explanation-missing is `rate < line and not present(explanation)`: only the second part failed.
    The rule is 四川's (rules/jurisdictions.yaml): the seed is read as a report from 四川."""
    from engine import load_facts

    seed = next(FACTS_2024.glob("*.yaml")).read_text(encoding="utf-8")
    (tmp_path / "seed.yaml").write_text(seed.replace("\nunit: 万元\n", "\nregion: {province: 四川省}\nunit: 万元\n", 1),
                                        encoding="utf-8")
    e = only(explain_project(compile_rules(ruleset), load_facts([tmp_path / "seed.yaml"]), "智慧城管",
                             backend="python"), "execution.explanation-missing")
    assert e.outcome == PASSED
    assert e.condition.kind == "and" and [c.value for c in e.condition.children] == [True, False]
    (failed,) = e.deciding
    assert failed.kind == "not" and failed.children[0].text == "present(project.budget.explanation)"


def test_not_applicable_and_cannot_evaluate_are_explained(runner, tmp_path, ruleset):
    facts = tmp_path / "f.yaml"
    facts.write_text(
        "department: 测试部门\nyear: 2024\ndocument: {title: t}\nunit: 万元\nprojects:\n"
        "  - name: 甲项目\n    budget: {section: s, full_year: 10.00}\n"
        "  - name: 乙项目\n    budget: {section: s, full_year: 0, executed: 0}\n", "utf-8")
    from engine import load_facts

    reports = load_facts([facts])
    missing = only(explain_project(compile_rules(ruleset), reports, "甲项目", backend="python"),
                   "execution.below-warning-line")
    assert missing.outcome == UNKNOWN
    assert "全年执行" in missing.message
    assert [s.value for s in missing.deciding] == [None]
    zero = only(explain_project(compile_rules(ruleset), reports, "乙项目", backend="python"),
                "execution.below-warning-line")
    assert zero.outcome == NOT_APPLICABLE
    assert zero.deciding[0].line == "全年预算 0 > 0"
    result = runner.invoke(cli, ["explain", str(facts), "--rules", str(RULES), "-p", "甲项目", "--detail"])
    assert "[无法评估] execution.below-warning-line" in result.output


def test_alias_names_the_same_project(runner):
    result = run(runner, "--project", "智慧城管项目")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("项目【智慧城管】"), result.output


def test_rule_filter_shows_only_that_rule_and_report_rules_in_full(runner):
    result = run(runner, "--project", "智慧城管", "--rule", "consistency.total-full-year", "--detail")
    assert result.exit_code == 0, result.output
    assert "execution.below-warning-line" not in result.output
    assert "[触发] consistency.total-full-year" in result.output
    # the printed total against the range the rows allow, each row printed to 0.01 standing for ±0.005
    assert "= contradicts(282.19, [302.155, 302.225]) = 是 → 成立" in result.output


def test_unknown_project_exits_2_with_known_projects_and_suggestion(runner):
    result = run(runner, "--project", "智慧城关")
    assert result.exit_code == 2
    assert "未找到项目 “智慧城关”" in result.output
    assert "你是不是想写: 智慧城管" in result.output
    assert "已知项目: 智慧城管、文明创建、执法人员培训、垃圾分类、城管进社区" in result.output
    assert "项目【" not in result.output


def test_unknown_rule_exits_2_with_suggestion(runner):
    result = run(runner, "--project", "智慧城管", "--rule", "execution.below-warning")
    assert result.exit_code == 2
    assert "未知规则 “execution.below-warning”" in result.output
    assert "execution.below-warning-line" in result.output


def test_json_is_valid_deterministic_and_backend_independent(runner):
    outputs = {run(runner, "--project", "文明创建", "--format", "json", "--backend", b).output
               for b in BACKENDS + BACKENDS}
    assert len(outputs) == 1
    document = json.loads(outputs.pop())
    (project,) = document["projects"]
    assert project["project"] == "文明创建"
    rules = {(r["rule"], r["subject"]["name"]): r for r in project["rules"]}
    below = rules[("execution.below-warning-line", "文明创建")]
    assert below["outcome"] == "fired" and below["outcome_label"] == "触发"
    assert below["condition"]["value"] is True
    assert below["condition"]["margin"]["percentage_points"] is True
    assert below["parameters"][0]["from_year"] == 2024
    assert below["facts"][0]["file"].endswith("杜集区城市管理局.yaml")
    assert all(r["outcome"] in ("fired", "passed", "not-applicable", "cannot-evaluate") for r in project["rules"])


def test_explain_does_not_import_durable_rules_directly():
    for name in ("explain.py", "formula.py", "ruletest.py", "coverage.py"):
        tree = ast.parse((ROOT / "engine" / "analysis" / name).read_text("utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if "durable" in m], name

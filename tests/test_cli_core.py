"""The perfaudit command line: exit codes, formats, all-errors-at-once, no partial output, schemas."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import jsonschema
import pytest

from engine.cli import cli
from engine.core.version import VERSION
from engine.load.yamlsrc import load_yaml_file

from .conftest import FACTS_2024, ROOT, RULES
from .factsfile import D, project, write_facts

SEED_ARGS = ["evaluate", str(FACTS_2024), "--rules", str(RULES)]


def test_check_passes_on_the_shipped_rules(runner):
    result = runner.invoke(cli, ["check", "--rules", str(RULES)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("检查通过: 规则 ")
    assert "未核实" in result.stdout  # unverified clauses are announced, not hidden


def test_check_with_the_seed_facts(runner):
    result = runner.invoke(cli, ["check", "--rules", str(RULES), str(FACTS_2024)])
    assert result.exit_code == 0, result.output
    assert "事实文件 1 份" in result.stdout


def test_evaluate_text_groups_by_department_and_project(runner):
    result = runner.invoke(cli, SEED_ARGS)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("杜集区城市管理局  2024 年度  共 ")
    for heading in ("【报告整体】", "【智慧城管】", "【文明创建】", "【垃圾分类】", "【城管进社区】"):
        assert heading in out
    assert "[错误] 报告等级与得分所在档次不符  (grading.band-mismatch)" in out
    assert "智慧城管总分 93.14 分应评为“优”，报告填写为“良好”" in out
    assert "数据：" in out and "杜集区城市管理局.yaml:" in out
    # within a project, errors come before warnings
    block = out.split("【智慧城管】")[1].split("【")[0]
    assert block.index("[错误]") < block.index("[警告]")
    errors = out.count("  [错误] ")
    assert errors > 0 and "汇总" in out and f"错误 {errors} 项" in out


def test_evaluate_json_shape(runner):
    result = runner.invoke(cli, SEED_ARGS + ["--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"findings", "summary", "run"}
    assert document["run"]["version"] == VERSION
    assert len(document["run"]["rules_hash"]) == 16 and len(document["run"]["facts_hash"]) == 16
    findings = document["findings"]
    assert document["summary"]["findings"] == len(findings) > 0
    by_severity = document["summary"]["by_severity"]
    assert sum(by_severity.values()) == len(findings)
    assert by_severity["error"] == sum(f["severity"] == "error" for f in findings)
    for finding in findings:
        assert {"rule", "family", "severity", "department", "year", "project", "message", "evidence",
                "citations"} <= set(finding)
        kinds = [c["kind"] for c in finding["citations"]]
        assert kinds[0] == "policy" and "fact" in kinds
        assert kinds == sorted(kinds, key=["policy", "fact"].index)
        for citation in finding["citations"]:
            if citation["kind"] == "policy":
                assert {"source", "clause", "title", "verification"} <= set(citation)
                assert ("quote" in citation) == (citation["verification"] != "unverified")
            else:
                assert set(citation) >= {"file", "line", "section"} and citation["line"] > 0
    report_level = [f for f in findings if f["subject"]["kind"] in ("report", "claim") and f["project"] is None]
    assert report_level, "report-level findings carry project null"
    low = next(f for f in findings if f["rule"] == "execution.below-warning-line" and f["project"] == "智慧城管")
    assert low["evidence"]["执行率"] == "0.656589374817"  # exact quotient, rounded to 12 places for JSON
    assert low["evidence"]["全年预算"] == "170.35"


def test_json_output_is_byte_for_byte_deterministic(runner):
    first = runner.invoke(cli, SEED_ARGS + ["--format", "json"]).stdout_bytes
    second = runner.invoke(cli, SEED_ARGS + ["--format", "json"]).stdout_bytes
    assert first == second


def test_output_file_matches_stdout(runner, tmp_path):
    target = tmp_path / "out.json"
    result = runner.invoke(cli, SEED_ARGS + ["--format", "json", "-o", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == runner.invoke(cli, SEED_ARGS + ["--format", "json"]).stdout
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind


def test_fail_on_error_exits_1_on_the_seed(runner):
    assert runner.invoke(cli, SEED_ARGS + ["--fail-on", "error"]).exit_code == 1
    assert runner.invoke(cli, SEED_ARGS).exit_code == 0


def test_fail_on_threshold_counts_only_that_severity_and_above(runner, tmp_path):
    # one warning (execution rate below 70%) and nothing worse
    facts = write_facts(tmp_path, [project(full_year=D("10"), executed=D("6"), explanation="招标延迟",
                                           total=D("95"), grade="优秀")])
    base = ["evaluate", str(facts), "--rules", str(RULES)]
    result = runner.invoke(cli, base + ["--format", "json"])
    assert [f["severity"] for f in json.loads(result.stdout)["findings"]] == ["warning"]
    assert runner.invoke(cli, base + ["--fail-on", "error"]).exit_code == 0
    assert runner.invoke(cli, base + ["--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(cli, base + ["--fail-on", "info"]).exit_code == 1


def test_invalid_facts_exit_2_with_every_error_and_no_output_file(runner, tmp_path):
    facts = tmp_path / "facts"
    bad = write_facts(facts, [project(full_year="20万元")], department="甲局")
    text = bad.read_text(encoding="utf-8").replace("    budget:", "    budgte: {}\n    budget:")
    bad.write_text(text, encoding="utf-8")
    (facts / "dup.yaml").write_text("department: 乙局\ndepartment: 丙局\n", encoding="utf-8")
    target = tmp_path / "out.json"
    result = runner.invoke(cli, ["evaluate", str(facts), "--rules", str(RULES), "--format", "json",
                                 "-o", str(target)])
    assert result.exit_code == 2
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [facts]  # not even a temporary file
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert f"{bad.name}:{text.splitlines().index('    budgte: {}') + 1}:" in err
    assert "未知字段 “budgte”" in err and "budget" in err
    assert "去掉单位" in err
    assert "dup.yaml:2:1: 重复的键 “department”" in err
    assert err.rstrip().endswith("共 3 个错误,未产生任何输出。")


def test_invalid_rules_exit_2(runner, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules:\n  - id: x\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--rules", str(rules)])
    assert result.exit_code == 2
    assert "bad.yaml:2:" in result.stderr and "缺少必填字段" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["evaluate", "no-such-dir"], ["check", "--rules", "no-such-rules"]])
def test_missing_paths_exit_2(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "不存在" in result.stderr


def test_evaluate_never_modifies_its_inputs(runner, tmp_path):
    facts = write_facts(tmp_path, [project(full_year=D("10"), executed=D("6"))])
    before = facts.read_bytes()
    runner.invoke(cli, ["evaluate", str(facts), "--rules", str(RULES), "--format", "json"])
    assert facts.read_bytes() == before


@pytest.mark.parametrize("which, files", [
    ("rules", sorted(RULES.glob("*.yaml"))),
    ("facts", sorted(FACTS_2024.glob("*.yaml"))),
])
def test_printed_schema_is_valid_and_validates_the_shipped_files(runner, which, files):
    result = runner.invoke(cli, ["schema", which])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert files
    for path in files:
        doc, problems = load_yaml_file(path)
        assert problems == []
        assert list(validator.iter_errors(doc.data)) == [], path
    # and it rejects what it should
    assert list(validator.iter_errors({"unexpected": 1}))


def test_help_is_chinese(runner):
    result = runner.invoke(cli, ["evaluate", "--help"])
    assert result.exit_code == 0
    assert "核查事实文件" in result.stdout and "--fail-on" in result.stdout


def test_python_dash_m_engine_version():
    completed = subprocess.run([sys.executable, "-m", "engine", "--version"], capture_output=True, text=True,
                               cwd=ROOT, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"perfaudit, version {VERSION}"


def test_python_dash_m_engine_exit_code_on_invalid_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("department: [\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "engine", "evaluate", str(bad), "--rules", str(RULES)],
                               capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert completed.returncode == 2
    assert "YAML 语法错误" in completed.stderr and "Traceback" not in completed.stderr
    assert completed.stdout == ""


@pytest.mark.parametrize("which", ["facts", "rules"])
def test_output_may_not_overwrite_an_input(runner, tmp_path, which):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    facts = write_facts(tmp_path / "facts", [project(full_year=D("10"), executed=D("6"))])
    victim = facts if which == "facts" else rules / "grading.yaml"
    before = victim.read_bytes()
    result = runner.invoke(cli, ["evaluate", str(tmp_path / "facts"), "--rules", str(rules), "-o", str(victim)])
    assert result.exit_code == 2
    assert "拒绝覆盖" in result.stderr
    assert victim.read_bytes() == before


def test_a_device_is_named_as_not_a_regular_file(runner):
    result = runner.invoke(cli, ["evaluate", "/dev/null", "--rules", str(RULES)])
    assert result.exit_code == 2
    assert "/dev/null: 不是普通文件或目录" in result.stderr

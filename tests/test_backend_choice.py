"""Which backend runs, and what the user is told, when durable_rules is missing or refuses the rules."""
from __future__ import annotations

import json
from importlib import import_module

import pytest

from engine import evaluate as evaluate_api
from engine.backends import EngineError
from engine.cli import cli

from .conftest import FACTS_2024, RULES, needs_durable


@pytest.fixture
def no_durable(monkeypatch):
    stage = import_module("engine.backends.choice")

    monkeypatch.setattr(stage, "durable_available", lambda: (False, "ImportError: undefined symbol: PyEval_CallObject"))


def test_auto_without_durable_uses_python_with_a_one_line_notice(runner, no_durable):
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().count("\n") == 0
    assert "durable_rules 无法导入" in result.stderr and "纯 Python" in result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == 23


def test_asking_for_durable_where_it_cannot_import_is_an_input_error(runner, no_durable, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--backend", "durable",
                                 "-o", str(out)])
    assert result.exit_code == 2
    assert "--backend python" in result.stderr
    assert "Traceback" not in result.output and "内部错误" not in result.stderr
    assert not out.exists()


def test_auto_falls_back_when_durable_refuses_the_rule_set(monkeypatch, ruleset, seed_reports):
    stage = import_module("engine.backends.choice")

    real = stage.make_backend

    def refusing(name, program):
        if name == "durable":
            raise EngineError("durable_rules 无法建立规则网络(error 106)")
        return real(name, program)

    monkeypatch.setattr(stage, "durable_available", lambda: (True, ""))
    monkeypatch.setattr(stage, "make_backend", refusing)
    result = evaluate_api(ruleset, seed_reports, backend="auto")
    assert result.backend == "python"
    assert "error 106" in result.notice
    with pytest.raises(EngineError):
        evaluate_api(ruleset, seed_reports, backend="durable")




@pytest.fixture
def failing_durable(monkeypatch):
    """durable_rules builds its rule sets, then fails on the first batch it is given (as error 303 would)."""
    from engine.backends.durable import DurableBackend

    calls = []

    def decide_batches(self, batches):
        calls.append(len(batches))
        raise EngineError("durable_rules rejected a fact: error: Could not assert fact, error code: 303")

    monkeypatch.setattr(DurableBackend, "decide_batches", decide_batches)
    return calls


@needs_durable
def test_auto_evaluates_again_on_python_when_durable_fails_mid_run(failing_durable, ruleset, seed_reports):
    expected = evaluate_api(ruleset, seed_reports, backend="python")
    seen = []
    result = evaluate_api(ruleset, seed_reports, backend="auto", progress=seen.append)
    assert failing_durable  # durable_rules did fail, after it was built
    assert result.backend == "python" and "error code: 303" in result.notice and "重新求值" in result.notice
    assert result.findings == expected.findings and len(result.findings) == 23
    assert seen == list(seed_reports)  # each report counted once, though evaluated twice
    with pytest.raises(EngineError, match="303"):
        evaluate_api(ruleset, seed_reports, backend="durable")


@needs_durable
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_cli_on_auto_survives_a_mid_run_durable_failure(runner, failing_durable, tmp_path, jobs):
    from bench.generate import write_corpus

    write_corpus(tmp_path / "facts", 24, seed=5, per_department=4)  # six departments, as 120 projects made
    args = ["evaluate", str(tmp_path / "facts"), "--rules", str(RULES), "--format", "json", "--jobs", jobs]
    auto = runner.invoke(cli, args + ["--backend", "auto"])
    python = runner.invoke(cli, args + ["--backend", "python"])
    assert auto.exit_code == python.exit_code and auto.exit_code in (0, 1), auto.output
    assert auto.stdout == python.stdout and json.loads(auto.stdout)["summary"]["findings"] > 0
    assert "durable_rules 在求值过程中出错" in auto.stderr and "error code: 303" in auto.stderr
    assert "Traceback" not in auto.output


@needs_durable
def test_a_durable_failure_with_backend_durable_is_named_and_suggests_python(failing_durable, monkeypatch, capsys,
                                                                             tmp_path):
    from engine.cli import main

    out = tmp_path / "out.json"
    monkeypatch.setattr("sys.argv", ["perfaudit", "evaluate", str(FACTS_2024), "--rules", str(RULES),
                                     "--backend", "durable", "--jobs", "1", "-o", str(out)])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 70
    assert err.startswith("durable_rules 出错: durable_rules rejected a fact") and "--backend python" in err
    assert "内部错误" not in err and "Traceback" not in err
    assert not out.exists()


@needs_durable
def test_explain_on_auto_carries_on_with_python_when_durable_fails(monkeypatch, ruleset, seed_reports):
    from engine.analysis.explain import explain_project
    from engine.backends.durable import DurableBackend
    from engine.construct.compile import compile_rules

    def outcomes(self, subject, items):
        raise EngineError("durable_rules rejected a fact: error code: 303")

    program = compile_rules(ruleset)
    name = seed_reports[0].projects[0].name
    expected = explain_project(program, seed_reports, name, backend="python")
    monkeypatch.setattr(DurableBackend, "outcomes", outcomes)
    got = explain_project(program, seed_reports, name, backend="auto")
    assert got.projects == expected.projects and "error code: 303" in got.notice
    with pytest.raises(EngineError, match="303"):
        explain_project(program, seed_reports, name, backend="durable")

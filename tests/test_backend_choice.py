"""Which backend runs, and what the user is told, when durable_rules is missing or refuses the rules."""
from __future__ import annotations

import json
from importlib import import_module

import pytest

from engine import evaluate as evaluate_api
from engine.backends import EngineError
from engine.cli import cli

from .conftest import FACTS_2024, RULES


@pytest.fixture
def no_durable(monkeypatch):
    stage = import_module("engine.evaluate")  # `engine.evaluate` the attribute is the API function

    monkeypatch.setattr(stage, "durable_available", lambda: (False, "ImportError: undefined symbol: PyEval_CallObject"))


def test_auto_without_durable_uses_python_with_a_one_line_notice(runner, no_durable):
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().count("\n") == 0
    assert "durable_rules 无法导入" in result.stderr and "纯 Python" in result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == 25


def test_asking_for_durable_where_it_cannot_import_is_an_input_error(runner, no_durable, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--backend", "durable",
                                 "-o", str(out)])
    assert result.exit_code == 2
    assert "--backend python" in result.stderr
    assert "Traceback" not in result.output and "内部错误" not in result.stderr
    assert not out.exists()


def test_auto_falls_back_when_durable_refuses_the_rule_set(monkeypatch, ruleset, seed_reports):
    stage = import_module("engine.evaluate")  # `engine.evaluate` the attribute is the API function

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

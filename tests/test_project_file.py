"""Finding the rules without --rules: PERFAUDIT_RULES, perfaudit.toml upwards from the facts then the cwd."""
from __future__ import annotations

import shutil

import pytest

from engine.cli import cli
from engine.construct.projectfile import find_rules
from engine.core.errors import InputError

from .conftest import FACTS_2024, ROOT, RULES


@pytest.fixture
def project(tmp_path):
    """A project folder elsewhere: perfaudit.toml naming its rules, and a facts year below it."""
    top = tmp_path / "项目"
    shutil.copytree(RULES, top / "规则")
    shutil.copytree(FACTS_2024, top / "facts" / "2024")
    (top / "perfaudit.toml").write_text('[perfaudit]\nrules = "规则"\n', encoding="utf-8")
    return top


def test_the_repository_ships_a_project_file_naming_its_rules(tmp_path):
    assert find_rules([str(ROOT / "facts")], cwd=tmp_path, environ={}) == str(ROOT / "rules")


def test_rules_found_from_the_facts_path_when_run_from_another_folder(project, tmp_path, runner, monkeypatch):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("PERFAUDIT_RULES", raising=False)
    result = runner.invoke(cli, ["evaluate", str(project / "facts" / "2024")])
    assert result.exit_code == 0, result.output
    named = runner.invoke(cli, ["evaluate", str(project / "facts" / "2024"), "--rules", str(project / "规则")])
    assert named.exit_code == 0 and "共 " in named.stdout
    assert result.stdout == named.stdout


def test_paths_in_the_toml_are_relative_to_it_and_shown_relative_to_the_cwd(project, monkeypatch):
    assert find_rules(["facts/2024"], cwd=project, environ={}) == "规则"
    assert find_rules([], cwd=project / "facts", environ={}) == str(project / "规则")


def test_the_environment_variable_comes_first(project, tmp_path):
    assert find_rules([str(project / "facts")], cwd=tmp_path, environ={"PERFAUDIT_RULES": str(RULES)}) == str(RULES)
    with pytest.raises(InputError) as error:
        find_rules([], cwd=tmp_path, environ={"PERFAUDIT_RULES": "没有这个目录"})
    assert "PERFAUDIT_RULES" in error.value.render()


def test_not_found_says_where_it_looked(tmp_path, runner, monkeypatch):
    facts = tmp_path / "f24"
    shutil.copytree(FACTS_2024, facts)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERFAUDIT_RULES", raising=False)
    result = runner.invoke(cli, ["evaluate", "f24"])
    assert result.exit_code == 2
    assert "找不到规则目录" in result.stderr
    assert f"已从 {facts}、{tmp_path} 逐级向上查找" in result.stderr
    assert "perfaudit.toml" in result.stderr and "--rules" in result.stderr


@pytest.mark.parametrize("text, problem", [
    ("[perfaudit\n", "不是有效的 TOML"),
    ("[other]\nrules = 'x'\n", "没有给出规则目录"),
    ("[perfaudit]\nrules = '不存在'\n", "规则目录不存在: 不存在"),
])
def test_a_broken_project_file_is_named(tmp_path, text, problem):
    (tmp_path / "perfaudit.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        find_rules([], cwd=tmp_path, environ={})
    assert str(tmp_path / "perfaudit.toml") in error.value.render() and problem in error.value.render()


def test_explicit_rules_option_still_wins(project, runner, monkeypatch):
    monkeypatch.chdir(project)
    (project / "perfaudit.toml").write_text('[perfaudit]\nrules = "不存在"\n', encoding="utf-8")
    result = runner.invoke(cli, ["check", "--rules", str(RULES)])
    assert result.exit_code == 0, result.output

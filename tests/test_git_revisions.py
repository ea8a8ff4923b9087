"""`diff --rules git:REV[:PATH]`: user text never reaches git as an option, and the path stays in the repository."""
from __future__ import annotations

import pytest

from .conftest import FACTS_2024
from .test_diff import invoke, repo  # noqa: F401  (repo is a fixture: a git repository holding rules/)

VICTIM_TEXT = "填报人写的内容\n"


@pytest.fixture
def victim(repo):  # noqa: F811
    path = repo / "victim.yaml"
    path.write_text(VICTIM_TEXT, encoding="utf-8")
    return path


@pytest.mark.parametrize("spec", ["git:--output={victim}", "git:--output={victim}:rules", "git:-o{victim}",
                                  "git:HEAD:--output={victim}", "git:--remote=ext::sh -c touch% {victim}"])
def test_options_in_a_spec_touch_nothing(runner, victim, spec):
    result = invoke(runner, "--rules", spec.format(victim=victim), "--rules", "rules", FACTS_2024)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "开头" in result.output
    assert victim.read_text(encoding="utf-8") == VICTIM_TEXT


@pytest.mark.parametrize("path", ["../outside", "rules/../..", "/etc", "/rules"])
def test_the_path_stays_inside_the_repository(runner, repo, path):  # noqa: F811
    result = invoke(runner, "--rules", f"git:HEAD:{path}", "--rules", "rules", FACTS_2024)
    assert result.exit_code == 2, result.output
    assert "仓库内的相对路径" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("spec", ["git:HEAD:rules/", "git:HEAD:./rules", "git:HEAD^{tree}"])
def test_ordinary_spellings_still_work(runner, repo, spec):  # noqa: F811
    result = invoke(runner, "--rules", spec, "--rules", "rules", FACTS_2024)
    if spec.endswith("{tree}"):  # a tree is not a commit: refused with the usual message
        assert result.exit_code == 2 and "无法从 git 取出" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert "两套规则对这些事实给出的发现完全相同。" in result.output


def test_a_pathspec_is_literal(runner, repo):  # noqa: F811
    # ':(glob)r*' would match rules/ as pathspec magic; as a literal path it names nothing
    result = invoke(runner, "--rules", "git:HEAD::(glob)r*", "--rules", "rules", FACTS_2024)
    assert result.exit_code == 2 and "无法从 git 取出" in result.output

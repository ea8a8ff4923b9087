"""A valid report with thousands of claims on one topic is evaluated in linear work (expr/joins.py), and a
report whose evaluation would go over the budget (engine/core/budget.py) is refused naming the report and the rule."""
from __future__ import annotations

import os
import re
import resource
import sys

import pytest

from engine.cli import cli
from engine.core.budget import ENV

from .childcpu import run_timed
from .conftest import FACTS_2024, ROOT
from .factsfile import claim, project, write_facts

FACTS_2025 = ROOT / "facts" / "2025"
MEMORY = 768 << 20  # address space for the whole child: n² pairs of 8,000 claims took more than 24 GiB


def claims_on_one_topic(n: int, pattern: str) -> list:
    values = {"differ": lambda i: i, "same": lambda i: 7, "halves": lambda i: 1 if i < n // 2 else 2}[pattern]
    return [claim(f"c{i}", f"第{i}处说项目个数", "项目个数", values(i), unit="个", topic="项目个数") for i in range(n)]


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.mark.parametrize("n, pattern, contradictions", [(2000, "differ", 1999), (4000, "same", 0),
                                                        (4000, "halves", 2000)])
def test_thousands_of_claims_on_one_topic(tmp_path, n, pattern, contradictions):
    folder = write_facts(tmp_path / "facts", [project(full_year=100, executed=90)],
                         claims=claims_on_one_topic(n, pattern)).parent
    out = tmp_path / "out.json"
    # a budget of 100,000 items: comparing every claim with every other would need n² (4 to 16 million)
    env = {**os.environ, "PYTHONPATH": str(ROOT), ENV: "100000"}
    done, elapsed = run_timed([sys.executable, "-m", "engine", "evaluate", str(folder), "--backend", "python",
                               "--jobs", "1", "--format", "json", "-o", str(out)], cwd=ROOT, env=env,
                              timeout=300, preexec_fn=limited)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert out.read_text(encoding="utf-8").count('"consistency.claim-contradiction"') == contradictions
    assert elapsed < 60, elapsed  # CPU seconds: about 2 to 6; the pairs took minutes


def invoke(runner, *args, limit="10"):
    return runner.invoke(cli, ["evaluate", *map(str, args)], env={ENV: limit})


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_report_over_the_budget_is_refused(runner, tmp_path, jobs):
    out = tmp_path / "out.json"
    result = invoke(runner, FACTS_2024, FACTS_2025, "--jobs", jobs, "--format", "json", "-o", out)
    assert result.exit_code == 2, result.output
    assert "计算量超过上限" in result.output and "10 次" in result.output and ENV in result.output
    assert "杜集区城市管理局" in result.output and "规则 consistency." in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("limit", ["abc", "0", "-5"])
def test_a_bad_limit_is_an_input_error(runner, limit):
    result = invoke(runner, FACTS_2024, limit=limit)
    assert result.exit_code == 2 and f"{ENV} 的值" in result.output and "不是正整数" in result.output


def test_the_default_limit_leaves_the_shipped_facts_alone(runner):
    result = runner.invoke(cli, ["evaluate", str(FACTS_2024), str(FACTS_2025), "--format", "json"],
                           env={ENV: ""})
    assert result.exit_code in (0, 1) and '"findings"' in result.output


def test_explain_is_bounded_too(runner, tmp_path):
    # explain runs the closures findings run, with the same budget
    folder = write_facts(tmp_path / "facts", [project(full_year=100, executed=90)],
                         claims=claims_on_one_topic(300, "differ")).parent
    result = runner.invoke(cli, ["explain", str(folder), "--project", "甲项目", "--backend", "python"],
                           env={ENV: "20000"})
    assert result.exit_code == 2, result.output[-500:]
    # named: whichever rule comparing claims with claims reaches the limit first (there are several)
    assert "计算量超过上限" in result.output and re.search(r"求值到规则 (consistency|prose)\.", result.output)


def test_explain_builds_a_claims_index_once_per_report_not_once_per_claim(tmp_path, monkeypatch):
    # explain runs every claim subject of the report: each used to get its own parameters dict, so the join
    # indexes (kept per items, parameters and year) were built again for every claim
    from engine import compile, load_facts, load_rules
    from engine.analysis.explain import explain_project
    from engine.expr import joins

    from .conftest import RULES

    built = []
    index = joins.Index
    monkeypatch.setattr(joins, "Index", lambda *args: built.append(args[0]) or index(*args))
    folder = write_facts(tmp_path / "facts", [project(full_year=100, executed=90)],
                         claims=claims_on_one_topic(100, "differ")).parent
    explain_project(compile(load_rules(RULES)), load_facts([folder]), "甲项目", backend="python")
    assert built and len(built) == len({id(plan) for plan in built}), len(built)

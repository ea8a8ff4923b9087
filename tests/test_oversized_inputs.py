"""A facts or rules file over the loader's limit (16 MiB) is refused without being read: hashing it (the run's facts
hash, the rule set's version) and grouping it by department read it whole first (a 3 GiB file: 6 GiB, 25 s)."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys

import pytest

from .conftest import FACTS_2024, RULES, ROOT

MEMORY = 1 << 30


def run_limited(*args):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], capture_output=True, text=True,
                          timeout=120, preexec_fn=limit, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def huge(path):
    with open(path, "wb") as stream:
        stream.truncate(3 << 30)  # sparse: no disk used, 3 GiB to read


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_huge_facts_file_is_refused_within_bounded_memory(tmp_path, jobs):
    folder = tmp_path / "facts"
    shutil.copytree(FACTS_2024, folder)
    huge(folder / "huge.yaml")
    done = run_limited("evaluate", folder, "--rules", RULES, "--jobs", jobs)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "huge.yaml" in done.stderr and "文件过大" in done.stderr and "内部错误" not in done.stderr


def test_a_huge_rules_file_is_refused_within_bounded_memory(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    huge(rules / "huge.yaml")
    done = run_limited("check", "--rules", rules)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "huge.yaml" in done.stderr and "文件过大" in done.stderr and "内部错误" not in done.stderr
    assert "规则文件按规则族" in done.stderr  # not only "split it by department", which fits facts files

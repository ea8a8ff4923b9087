"""Standard output that cannot take the document: a full disk behind a redirection (> /dev/full) or standard
output closed when the command starts (>&-). Both ended in 内部错误 (exit 70) for most commands, or the document
was dropped without a word (exit 0); now they are said, exit 74 and 2, like -o to a full disk or a bad path."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import FACTS_2024, ROOT, RULES

COMMANDS = {
    "evaluate-text": ["evaluate", str(FACTS_2024), "--backend", "python", "--rules", str(RULES)],
    "evaluate-xlsx": ["evaluate", str(FACTS_2024), "--backend", "python", "--format", "xlsx", "--rules", str(RULES)],
    "evaluate-json": ["evaluate", str(FACTS_2024), "--backend", "python", "--format", "json", "--rules", str(RULES)],
    "check": ["check", "--rules", str(RULES)],
    "schema": ["schema", "facts"],
}


def run(args: list, redirection: str):
    # the shell sets up fd 1 before Python starts, as it does for a user's command line
    return subprocess.run(["/bin/sh", "-c", f'exec "$@" {redirection}', "sh", sys.executable, "-m", "engine",
                           *args], stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("name", ["evaluate-text", "evaluate-xlsx", "check"])
def test_a_full_disk_under_standard_output_is_said(name):
    done = run(COMMANDS[name], "> /dev/full")
    assert done.returncode == 74, done.stderr
    assert "标准输出: 无法写入标准输出: 磁盘已满" in done.stderr and "内部错误" not in done.stderr


@pytest.mark.parametrize("name", ["evaluate-text", "evaluate-xlsx", "evaluate-json", "schema"])
def test_closed_standard_output_is_said(name):
    done = run(COMMANDS[name], ">&-")
    assert done.returncode == 2, done.stderr
    assert "标准输出已关闭,无法写出" in done.stderr and "用 -o 指定输出文件" in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_new_year_writes_its_drafts_and_says_a_full_disk_under_its_report(tmp_path):
    args = ["new-year", "2026", "--from", str(FACTS_2024), "-o", str(tmp_path / "2026")]
    done = run(args, "> /dev/full")
    assert done.returncode == 74 and "无法写入标准输出: 磁盘已满" in done.stderr, done.stderr
    assert [p.name for p in (tmp_path / "2026").iterdir()] == [p.name for p in FACTS_2024.glob("*.yaml")]
    args[-1] = str(tmp_path / "closed")
    done = run(args, ">&-")  # standard output closed: the drafts are written, the report line is not
    assert done.returncode == 0 and (tmp_path / "closed").is_dir(), done.stderr

"""Writing output files (issue 11.1, 11.3, 11.10, 16.1): -o never replaces a device, FIFO or symlink with a
regular file, never overwrites an input, never replaces an existing file without --force, and a full disk or
a too-long name is a clear message, not an internal error. Device nodes are made in tmp_path, never /dev."""
from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import threading

import pytest

from engine.cli import cli

from .conftest import FACTS_2024, RULES, ROOT

FACTS_2025 = ROOT / "facts" / "2025"
SEED_FILE = FACTS_2024 / "杜集区城市管理局.yaml"
PROJECT = "智慧城管"


def device(tmp_path, name, major_minor):
    node = tmp_path / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(*major_minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return node


def commands(out, rules=RULES):
    """Every command with -o, each writing to out."""
    return {
        "evaluate": ["evaluate", str(FACTS_2024), "--rules", str(rules), "--format", "json", "-o", str(out)],
        "explain": ["explain", str(FACTS_2024), "--project", PROJECT, "--rules", str(rules), "-o", str(out)],
        "diff": ["diff", str(FACTS_2024), str(FACTS_2025), "--rules", str(rules), "-o", str(out)],
        "template": ["template", "csv", "--from", str(SEED_FILE), "-o", str(out)],
    }


@pytest.mark.parametrize("command", sorted(commands("x")))
def test_a_device_is_written_in_place_never_replaced(runner, tmp_path, command):
    node = device(tmp_path, "null", (1, 3))  # same numbers as /dev/null
    result = runner.invoke(cli, commands(node)[command])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert os.lstat(node).st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_import_writes_a_device_in_place(runner, tmp_path):
    from .test_spreadsheet import make_xlsx

    node = device(tmp_path, "null", (1, 3))
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    result = runner.invoke(cli, ["import", str(source), "--year", "2024", "-o", str(node)])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_fifo_is_a_sink(runner, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(cli, commands(fifo)["evaluate"])
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    expected = runner.invoke(cli, commands("-")["evaluate"]).stdout_bytes
    assert received == [expected]


def test_a_symlink_is_followed_and_stays_a_symlink(runner, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    refused = runner.invoke(cli, commands(link)["evaluate"])
    assert refused.exit_code == 2 and "已存在" in refused.stderr
    assert real.read_text(encoding="utf-8") == "old"
    forced = runner.invoke(cli, commands(link)["evaluate"] + ["--force"])
    assert forced.exit_code == 0, forced.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("{")


def test_a_symlink_to_a_device_leaves_the_device(runner, tmp_path):
    node = device(tmp_path, "null", (1, 3))
    link = tmp_path / "out.json"
    link.symlink_to(node)
    assert runner.invoke(cli, commands(link)["evaluate"]).exit_code == 0
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_socket_is_refused(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short relative name: socket paths are limited to about 100 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("s")
        result = runner.invoke(cli, commands("s")["evaluate"])
        assert result.exit_code == 2 and "拒绝写入" in result.stderr
        assert stat.S_ISSOCK(os.lstat("s").st_mode)


# ---- inputs and existing files -----------------------------------------------------------------

def copies(tmp_path):
    facts, rules = tmp_path / "f", tmp_path / "rules"
    shutil.copytree(FACTS_2024, facts)
    shutil.copytree(RULES, rules)
    return facts, rules


@pytest.mark.parametrize("case", ["explain facts", "diff B", "diff rules"])
@pytest.mark.parametrize("force", [False, True])
def test_no_command_overwrites_its_inputs(runner, tmp_path, case, force):
    facts, rules = copies(tmp_path)
    later = tmp_path / "B"
    shutil.copytree(FACTS_2025, later)
    victim, args = {
        "explain facts": (facts / SEED_FILE.name, ["explain", str(facts), "--project", PROJECT, "--rules", str(rules)]),
        "diff B": (later / "杜集区城市管理局.yaml", ["diff", str(facts), str(later), "--rules", str(rules)]),
        "diff rules": (rules / "consistency.yaml", ["diff", "--rules", str(rules), "--rules", str(rules), str(facts)]),
    }[case]
    before = victim.read_bytes()
    result = runner.invoke(cli, args + ["-o", str(victim)] + (["--force"] if force else []))
    assert result.exit_code == 2, result.output
    assert "输入文件" in result.stderr and "拒绝覆盖" in result.stderr
    assert victim.read_bytes() == before


@pytest.mark.parametrize("command", sorted(commands("x")))
def test_an_existing_file_is_replaced_only_with_force(runner, tmp_path, command):
    target = tmp_path / "已填写.txt"
    target.write_text("部门填写的内容\n", encoding="utf-8")
    refused = runner.invoke(cli, commands(target)[command])
    assert refused.exit_code == 2
    assert "已存在" in refused.stderr and "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "部门填写的内容\n"
    forced = runner.invoke(cli, commands(target)[command] + ["--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8") != "部门填写的内容\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


# ---- the disk and the name ----------------------------------------------------------------------

def test_a_full_device_says_the_disk_is_full(runner, tmp_path):
    full = device(tmp_path, "full", (1, 7))  # same numbers as /dev/full
    result = runner.invoke(cli, commands(full)["evaluate"])
    assert result.exit_code == 74
    assert "磁盘已满" in result.stderr and "内部错误" not in result.stderr and "缺陷" not in result.stderr


def test_a_full_disk_keeps_the_old_file(runner, tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    real_write = os.write

    def full_disk(fd, data):
        if fd > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    monkeypatch.setattr(os, "writev", lambda fd, pieces: full_disk(fd, b"".join(pieces)))  # output.Stream's flush
    result = runner.invoke(cli, commands(target)["evaluate"] + ["--force"])
    monkeypatch.undo()
    assert result.exit_code == 74 and "磁盘已满" in result.stderr
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_a_too_long_output_name_is_an_input_error(runner, tmp_path):
    target = tmp_path / ("很长的文件名" * 20 + ".json")  # 120 characters, 363 bytes
    result = runner.invoke(cli, commands(target)["evaluate"])
    assert result.exit_code == 2, result.output
    assert "文件名过长" in result.stderr and "内部错误" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file_is_an_input_error(runner, tmp_path):
    (tmp_path / "a").write_text("", encoding="utf-8")
    result = runner.invoke(cli, commands(tmp_path / "a" / "out.json")["evaluate"])
    assert result.exit_code == 2 and "无法写入输出文件" in result.stderr


def test_a_read_only_file_system_is_an_input_error(runner, tmp_path, monkeypatch):
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = runner.invoke(cli, commands(tmp_path / "out.json")["evaluate"])
    assert result.exit_code == 2 and "只读" in result.stderr and "内部错误" not in result.stderr

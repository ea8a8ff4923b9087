"""Listing facts folders: every file's real path, whatever links lie on the way, and each folder listed once a
command (a province's 5,000 reports take about 0.1 s to list; the evaluate command used to list them 8 times)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from engine.cli import cli
from engine.cli.common import files_read
from engine.load import files as listing_module
from engine.load.files import expand_paths

from .conftest import FACTS_2024, RULES


def tree(root: Path) -> Path:
    (root / "real" / "deep").mkdir(parents=True)
    (root / "real" / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    (root / "real" / "deep" / "b.yml").write_text("x: 1\n", encoding="utf-8")
    (root / "real" / "notes.txt").write_text("", encoding="utf-8")
    (root / "given").mkdir()
    os.symlink(root / "real" / "a.yaml", root / "given" / "linked.yaml")  # a link to a file: its target
    os.symlink(root / "real", root / "given" / "folder-link")  # a link to a folder: not descended (as rglob)
    os.symlink(root / "real", root / "via")  # a folder given through a link
    (root / "given" / "c.yaml").write_text("x: 1\n", encoding="utf-8")
    return root


def test_every_file_is_listed_by_its_real_path(tmp_path):
    root = tree(tmp_path)
    real = root.resolve() / "real"
    files, problems = expand_paths([root / "given", root / "via", root / "via" / "deep" / "b.yml"])
    assert problems == []
    assert files == sorted({real / "a.yaml", real / "deep" / "b.yml", root.resolve() / "given" / "c.yaml"})
    assert all(f == f.resolve() for f in files)


def test_a_folder_reached_through_a_relative_path_and_dots(tmp_path, monkeypatch):
    root = tree(tmp_path)
    monkeypatch.chdir(root / "given")
    files, _ = expand_paths(["../via/deep/..", "."])
    assert files == sorted({p.resolve() for p in (root / "real" / "a.yaml", root / "real" / "deep" / "b.yml",
                                                  root / "given" / "c.yaml")})


def test_the_files_a_command_reads_are_listed_once(tmp_path, monkeypatch):
    root = tree(tmp_path)
    calls = []
    original = listing_module.expand_paths
    monkeypatch.setattr(listing_module, "expand_paths", lambda paths: calls.append(paths) or original(paths))
    listing = files_read([root / "given"])
    assert listing() == listing() == expand_paths([root / "given"])[0]
    assert len(calls) == 1


def test_listed_files_are_in_the_order_of_sorted_paths(tmp_path):
    names = ["a-c.yaml", "a.yaml", "a0.yaml", "B.yaml", "b.yaml", "中.yaml", "z.yml", "a b.yaml", "é.yaml"]
    for folder in ("a", "a-c", "a.b", "ab", "A"):
        (tmp_path / folder / "sub").mkdir(parents=True)
        for name in names:
            (tmp_path / folder / name).write_text("x: 1\n", encoding="utf-8")
            (tmp_path / folder / "sub" / name).write_text("x: 1\n", encoding="utf-8")
    files, _ = expand_paths([tmp_path])
    assert len(files) == 90 and files == sorted(files)  # Path's own order, which the listing sorts by a cheaper key


def test_a_listing_given_again_is_not_listed_again(tmp_path, monkeypatch):
    root = tree(tmp_path)
    files, _ = expand_paths([root / "given"])
    monkeypatch.setattr(Path, "rglob", lambda *a: (_ for _ in ()).throw(AssertionError("listed again")))
    assert expand_paths(files) == (files, [])
    assert expand_paths(list(files))[0] == files  # a plain list of files is still checked one by one


def test_a_listed_file_that_cannot_be_read_is_an_input_error(tmp_path, monkeypatch):
    """A listing checks that a file is there, not that it can be read: a report without read permission (or gone
    since) was an internal error (exit 70) from the facts digest; it is refused as the loader refuses it."""
    shutil.copytree(FACTS_2024, tmp_path / "facts")
    locked = next((tmp_path / "facts").glob("*.yaml"))
    read_bytes = Path.read_bytes

    def refused(path):
        if path.name == locked.name:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refused)  # as a file without read permission, even for root
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, ["evaluate", "--rules", str(RULES), str(tmp_path / "facts"), "-j", jobs,
                                          "--format", "json"])
        assert result.exit_code == 2, result.output
        assert f"{locked.name}: 无法读取文件: Permission denied" in result.stderr

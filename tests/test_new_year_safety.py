"""`new-year` and `import` write names made from data (issue 11.4, 11.5, 11.10): sanitised, short enough,
inside the target folder, and new-year writes all drafts or none."""
from __future__ import annotations

import errno
import os

from engine import load_facts
from engine.cli import cli
from engine.io.output import MAX_DERIVED_BYTES, safe_file_name

from .factsfile import project, write_facts
from .test_spreadsheet import make_xlsx

LONG = "淮北市相山区" + "城市管理综合行政执法" * 9 + "局"  # 102 characters, 306 bytes in UTF-8


def same_file_names(src, departments):
    """One source file per department, all with the same file name, so the drafts are named by department."""
    for i, department in enumerate(departments):
        write_facts(src / f"d{i}", [project(f"项目{i}")], year=2025, department=department, filename="局.yaml")


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_department_name_cannot_leave_the_output_folder(runner, tmp_path):
    work = tmp_path / "a" / "b" / "c"
    same_file_names(work / "src", ["甲局", "../../../逃逸部门"])
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(work / "src"), "-o", str(work / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (work / "out").iterdir()) == ["甲局.yaml", "逃逸部门.yaml"]
    assert list(tmp_path.rglob("*逃逸部门*")) == [work / "out" / "逃逸部门.yaml"]
    assert {r.department for r in load_facts([work / "out"])} == {"甲局", "../../../逃逸部门"}


def test_a_long_department_name_gives_a_short_stable_file_name(runner, tmp_path):
    same_file_names(tmp_path / "src", ["甲局", LONG])
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(tmp_path / "src"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [long_name] = [p.name for p in (tmp_path / "out").iterdir() if p.name != "甲局.yaml"]
    assert len(long_name.encode("utf-8")) <= MAX_DERIVED_BYTES and long_name == safe_file_name(LONG)
    assert long_name.startswith("淮北市相山区城市管理") and long_name.endswith(".yaml")


def test_names_that_sanitise_alike_stay_distinct():
    assert safe_file_name("甲/局") == safe_file_name("甲:局")
    assert safe_file_name("甲/局", tagged=True) != safe_file_name("甲:局", tagged=True)
    assert safe_file_name(LONG) != safe_file_name(LONG + "二")
    assert safe_file_name("..") == "导入.yaml" and safe_file_name(".隐藏") == "隐藏.yaml"


def test_import_default_name_of_a_long_department(runner, tmp_path, monkeypatch):
    department = [("部门", LONG), ("年度", 2024), ("金额单位", "万元")]
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]], department=department)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["import", str(source), "--year", "2024"])
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "facts" / "2024").iterdir()
    assert written.name == safe_file_name(LONG)


def test_new_year_writes_all_drafts_or_none(runner, tmp_path, monkeypatch):
    same_file_names(tmp_path / "src", ["甲局", "乙局", "丙局"])
    placed = []
    real_link, real_replace = os.link, os.replace

    def failing_second(real):
        def move(src, dst, *args, **kwargs):
            if str(dst).endswith(".yaml"):
                placed.append(dst)
                if len(placed) == 2:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(src, dst, *args, **kwargs)
        return move

    monkeypatch.setattr(os, "link", failing_second(real_link))
    monkeypatch.setattr(os, "replace", failing_second(real_replace))
    out = tmp_path / "new" / "2026"
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(tmp_path / "src"), "-o", str(out)])
    monkeypatch.undo()
    assert result.exit_code in (2, 74) and "磁盘已满" in result.stderr, result.output
    assert not (tmp_path / "new").exists()  # not even the folders it made


def test_new_year_into_an_existing_folder_takes_back_what_it_moved(runner, tmp_path, monkeypatch):
    same_file_names(tmp_path / "src", ["甲局", "乙局"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "说明.txt").write_text("审计人员的笔记", encoding="utf-8")
    real_link = os.link
    calls = []

    def failing_second(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", failing_second)
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(tmp_path / "src"), "-o", str(out)])
    monkeypatch.undo()
    assert result.exit_code == 74 and "磁盘读写错误" in result.stderr, result.output
    assert files_under(out) == ["说明.txt"]


def test_every_existing_draft_is_named_before_anything_is_written(runner, tmp_path):
    same_file_names(tmp_path / "src", ["甲局", "乙局", "丙局"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "丙局.yaml").write_text("# 已填写\n", encoding="utf-8")
    result = runner.invoke(cli, ["new-year", "2026", "--from", str(tmp_path / "src"), "-o", str(out)])
    assert result.exit_code == 2 and "丙局.yaml: 文件已存在" in result.stderr
    assert files_under(out) == ["丙局.yaml"]

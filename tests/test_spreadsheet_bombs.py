"""Spreadsheet bombs and broken workbooks on `import` (issue 11, items 8 and 10): bounded time and memory,
exit 2 with a message naming the file and sheet, never 内部错误.

The big workbooks are written as sheet XML straight into the zip (openpyxl would take minutes to write them)
and imported in a child process under an address-space limit, so a regression fails fast instead of taking
the machine's memory.
"""
from __future__ import annotations

import os
import re
import resource
import sys
import zipfile
from pathlib import Path

from engine.cli import cli
from engine.io.spreadsheet import xlsxread

from .childcpu import run_timed
from .test_spreadsheet import make_xlsx, run_import

ROOT = Path(__file__).resolve().parent.parent
MEMORY = 1 << 30
PROJECT_SHEET = "xl/worksheets/sheet2.xml"  # make_xlsx: 部门表, then 项目表


def rewrite_sheet(source: Path, target: Path, change) -> Path:
    # compresslevel 1: the million rows' 89 MB of XML deflate in 0.3 s instead of 0.6 s (and to a smaller part)
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == PROJECT_SHEET else data)
    return target


def workbook(tmp_path: Path, name: str, change) -> Path:
    source = make_xlsx(tmp_path / f"{name}-source.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    return rewrite_sheet(source, tmp_path / f"{name}.xlsx", change)


def before_end_of_data(extra: bytes):
    return lambda data: data.replace(b"</sheetData>", extra + b"</sheetData>")


def import_in_child(source: Path, out: Path):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # the bound below is on CPU seconds; the wall-time timeout only stops a hang
    return run_timed([sys.executable, "-m", "engine", "import", str(source), "--year", "2024", "-o", str(out)],
                     timeout=300, preexec_fn=limit, env=env, cwd=ROOT)


def test_a_million_formatted_empty_rows_import_in_seconds(tmp_path):
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (r, r, r)
                    for r in range(10, 1_000_010))
    source = workbook(tmp_path, "rows", before_end_of_data(rows))
    done, seconds = import_in_child(source, tmp_path / "rows.yaml")
    assert done.returncode == 0, done.stderr
    assert "name: 甲" in (tmp_path / "rows.yaml").read_text("utf-8")
    assert seconds < 20, seconds


def test_a_merged_range_to_the_last_cell_of_the_sheet_is_clipped_to_the_data(tmp_path):
    merge = b'<mergeCells count="2"><mergeCell ref="B20:XFD1048576"/><mergeCell ref="A3:A1048576"/></mergeCells>'
    source = workbook(tmp_path, "merged", lambda data: data.replace(b"</sheetData>", b"</sheetData>" + merge))
    done, seconds = import_in_child(source, tmp_path / "merged.yaml")
    assert done.returncode == 0, done.stderr
    assert seconds < 20, seconds


def test_a_part_declaring_a_huge_size_is_refused_before_inflating(tmp_path):
    source = make_xlsx(tmp_path / "src.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    target = tmp_path / "zipbomb.xlsx"
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info.filename, z.read(info.filename))
        out.getinfo(PROJECT_SHEET).file_size = 8 << 30  # what the central directory declares: 8 GB
    done, _ = import_in_child(target, tmp_path / "zipbomb.yaml")
    assert done.returncode == 2, done.stderr
    assert f"zipbomb.xlsx: 超出导入上限: 文件内部的 {PROJECT_SHEET} 解压后为 8192 MB,超过上限 128 MB" in done.stderr
    assert not (tmp_path / "zipbomb.yaml").exists()


def test_too_many_cells_or_merged_positions_are_refused_at_the_sheet(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxread, "MAX_CELLS", 60)
    cells = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(10, 100))
    out = run_import(runner, workbook(tmp_path, "dense", before_end_of_data(cells)), tmp_path / "d.yaml")
    assert out.exit_code == 2
    assert "dense.xlsx 工作表“项目表”: 超出导入上限: 含数据的单元格(含合并单元格覆盖的位置)超过 60 个" in out.output
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    far = before_end_of_data(b'<row r="30"><c r="Z30"><v>1</v></c></row>')
    source = workbook(tmp_path, "merge", lambda data: far(data).replace(b"</sheetData>", b"</sheetData>" + merge))
    out = run_import(runner, source, tmp_path / "m.yaml")
    assert out.exit_code == 2 and "合并单元格 A1:XFD1048576 覆盖的范围过大" in out.output, out.output


def test_a_value_beyond_the_row_limit_is_refused(runner, tmp_path):
    source = workbook(tmp_path, "far", before_end_of_data(b'<row r="200000"><c r="A200000"><v>1</v></c></row>'))
    out = run_import(runner, source, tmp_path / "far.yaml")
    assert out.exit_code == 2 and "单元格 A200000 超出上限(最多 100000 行、1000 列含数据)" in out.output


def test_a_truncated_sheet_is_a_clear_error_naming_the_sheet(runner, tmp_path):
    source = workbook(tmp_path, "truncated", lambda data: data[: len(data) // 2])
    out = run_import(runner, source, tmp_path / "t.yaml")
    assert out.exit_code == 2, out.output
    assert re.search(r"truncated\.xlsx 工作表“项目表”: xlsx 文件内部的 XML 已损坏或不完整", out.output)
    assert "内部错误" not in out.output and not (tmp_path / "t.yaml").exists()


def test_an_overlong_cell_is_refused_in_xlsx_and_csv(runner, tmp_path):
    long = "长" * 40_000
    cell = f'<row r="5"><c r="B5" t="inlineStr"><is><t>{long}</t></is></c></row>'.encode()
    out = run_import(runner, workbook(tmp_path, "long", before_end_of_data(cell)), tmp_path / "l.yaml")
    assert out.exit_code == 2 and "单元格 B5 有 40000 个字符,超过上限 32767" in out.output
    csv_file = tmp_path / "long.csv"
    csv_file.write_text("部门,测试局\r\n金额单位,万元\r\n序号,项目名称,全年预算数,全年执行数\r\n1,甲,10,"
                        + "x" * 200_000 + "\r\n", "utf-8")
    out = run_import(runner, csv_file, tmp_path / "c.yaml")
    assert out.exit_code == 2, out.output
    assert "long.csv: 超出导入上限: 第 4 行有单元格超过 32767 个字符" in out.output
    assert "内部错误" not in out.output


def test_the_documented_limits_are_the_enforced_ones():
    text = (ROOT / "docs" / "reports-and-spreadsheets.md").read_text("utf-8")
    mib = xlsxread.MiB
    documented = [f"{xlsxread.MAX_ROWS} 行 / {xlsxread.MAX_COLUMNS} 列", f"| {xlsxread.MAX_CELLS} 个 |",
                  f"| {xlsxread.MAX_MERGED} 处 |", f"| {xlsxread.MAX_CELL_CHARS} 个 |",
                  f"{xlsxread.MAX_SHEET_BYTES // mib} MB / {xlsxread.MAX_PART_BYTES // mib} MB / "
                  f"{xlsxread.MAX_TOTAL_BYTES // mib} MB", f"| {xlsxread.MAX_CSV_BYTES // mib} MB |"]
    for line in documented:
        assert line in text, line


def test_an_infinite_or_nan_cell_is_refused_at_its_cell(runner, tmp_path):
    """openpyxl reads <v>1e999</v> as inf: a problem at the cell, exit 2, not 内部错误 (it refuses <v>nan</v>
    itself: the file is unreadable, also exit 2)."""
    from .test_spreadsheet import run_import

    for text in (b"1e999", b"-1e999", b"nan"):
        source = workbook(tmp_path, text.decode(), lambda data: data.replace(
            b'<c r="C3" t="n"><v>10</v></c>', b'<c r="C3" t="n"><v>' + text + b"</v></c>", 1))
        out = tmp_path / "out.yaml"
        result = run_import(runner, source, out)
        assert result.exit_code == 2 and "内部错误" not in result.output, result.output
        assert text == b"nan" or "项目表!C3: 年初预算数 不是有限数" in result.output
        assert not out.exists()


def test_an_infinite_indicator_value_is_refused_at_its_cell(runner, tmp_path):
    """The same for 年度指标值 (read as a quantity, not a number): it was an internal error (exit 70)."""
    from .test_spreadsheet import run_import

    source = make_xlsx(tmp_path / "source.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]],
                       indicators=[["甲", "产出指标", "数量指标", "完成数", 12345, 12000, ""]])
    target = tmp_path / "inf.xlsx"
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            out.writestr(info.filename, data.replace(b"<v>12345</v>", b"<v>1e999</v>"))
    result = run_import(runner, target, tmp_path / "out.yaml")
    assert result.exit_code == 2 and "内部错误" not in result.output, result.output
    assert "指标表!E2: 年度指标值 不是有限数" in result.output


def test_a_huge_number_in_a_cell_with_decimals_is_refused_at_its_cell(runner, tmp_path):
    """1e+308 (or a 30-digit integer) in a cell formatted 0.00: padding it to two decimals needs more than the
    default 28 digits of precision; it was an internal error (exit 70, InvalidOperation) in the template import
    and in a published form, and is now the digit limit's refusal at the cell."""
    from openpyxl import Workbook

    from .test_spreadsheet import run_import

    for value in (1e308, 10**30):
        source = make_xlsx(tmp_path / "source.xlsx", [[1, "甲", (value, "0.00"), 10, 5, "50%", 95, "优"]])
        out = tmp_path / "out.yaml"
        result = run_import(runner, source, out)
        assert result.exit_code == 2 and "内部错误" not in result.output, result.output
        assert "项目表!C3: 数字位数过多" in result.output
        assert not out.exists()

    book = Workbook()
    sheet = book.active
    rows = [["项目支出绩效自评表(2024 年度)"], ["项目名称", "甲项目"],
            ["项目资金(万元)", "", "年初预算数", "全年预算数", "全年执行数"], ["", "年度资金总额", 10, 10, 5]]
    for row in rows:
        sheet.append(row)
    sheet["C4"].value, sheet["C4"].number_format = 1e308, "0.00"
    published = tmp_path / "published.xlsx"
    book.save(published)
    result = runner.invoke(cli, ["import", str(published), "-o", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2 and "内部错误" not in result.output, result.output
    assert "Sheet!C4: 数字位数过多" in result.output

"""Formula injection (issue 11, item 6): every spreadsheet-like output writes a name that starts like a
formula (OWASP: = + - @ tab CR) as text, through one guard; `import` gives the names back as written."""
from __future__ import annotations

import csv
import io
from decimal import Decimal as D

from openpyxl import load_workbook

from engine import load_facts
from engine.cli import cli
from engine.io.spreadsheet.cellguard import csv_safe, csv_unguarded

from .factsfile import project, write_facts

NAMES = ["@SUM(1+1)", "=HYPERLINK(\"http://x\")", "+1+2", "-3+4", "普通项目"]


def facts_with_formula_names(tmp_path):
    projects = [project(name, initial=D("10"), full_year=D("10"), executed=D("5"), rate="50%") for name in NAMES]
    return write_facts(tmp_path / "2024", projects)


def test_template_csv_from_facts_writes_names_as_text_and_import_gives_them_back(runner, tmp_path):
    source = facts_with_formula_names(tmp_path)
    out = runner.invoke(cli, ["template", "csv", "--from", str(source), "-o", str(tmp_path / "t.csv")])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert "'@SUM(1+1)" in cells and "'=HYPERLINK(\"http://x\")" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    back = runner.invoke(cli, ["import", str(tmp_path / "t.csv"), "--year", "2024", "-o", str(tmp_path / "b.yaml")])
    assert back.exit_code == 0, back.output
    assert [p.name for p in load_facts([tmp_path / "b.yaml"])[0].projects] == NAMES


def test_template_xlsx_from_facts_stores_names_as_text_cells(runner, tmp_path):
    source = facts_with_formula_names(tmp_path)
    out = runner.invoke(cli, ["template", "xlsx", "--from", str(source), "-o", str(tmp_path / "t.xlsx")])
    assert out.exit_code == 0, out.output
    sheet = load_workbook(tmp_path / "t.xlsx")["项目表"]
    names = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value in NAMES}
    assert set(names) == set(NAMES) and set(names.values()) == {"s"}


def test_the_guard_and_its_inverse():
    for text in NAMES + ["'=已有撇号", "", "5"]:
        assert csv_unguarded(csv_safe(text)) == text
    assert csv_safe("\r回车") == "'\r回车" and csv_safe(D("-5")) == D("-5")

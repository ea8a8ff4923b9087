"""Re-running `evaluate --format xlsx -o 整改台账.xlsx` onto a ledger departments filled in (issue 16.1): the
ledger is updated, what departments wrote is kept, new findings added, findings no longer reported marked."""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from engine.cli import cli
from engine.render.ledger_update import NOT_REPORTED

from .conftest import FACTS_2024, RULES

FILLED = "已于三月完成整改"


def evaluate_xlsx(runner, ledger, *extra):
    return runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "xlsx",
                               "-o", str(ledger), *extra])


def rows_of(ledger):
    sheet = load_workbook(ledger)["整改台账"]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def ledger(runner, tmp_path):
    """A ledger as a department returns it: measures filled in, one finding's row deleted, one row of a
    finding this run will not report (a project since withdrawn)."""
    path = tmp_path / "整改台账.xlsx"
    assert evaluate_xlsx(runner, path).exit_code == 0
    book = load_workbook(path)
    sheet = book["整改台账"]
    sheet["J2"], sheet["K2"] = FILLED, "财务科"
    withdrawn = [c.value for c in sheet[3]]
    withdrawn[3], withdrawn[9] = "已撤销项目", "项目已撤销,无需整改"
    sheet.delete_rows(4)
    sheet.append(withdrawn)
    book.save(path)
    return path


def test_a_filled_in_ledger_is_updated_not_lost(runner, ledger):
    before = rows_of(ledger)
    result = evaluate_xlsx(runner, ledger)
    assert result.exit_code == 0, result.output
    assert "已更新整改台账" in result.stderr
    assert "1 个问题保留了部门填写的内容,新增 1 个问题,1 个问题本次未再报告" in result.stderr
    after = rows_of(ledger)
    fresh = rows_of_fresh(runner, ledger.parent)
    assert len(after) == len(fresh) + 1
    assert [r["问题"] for r in after[:len(fresh)]] == [r["问题"] for r in fresh]
    kept = next(r for r in after if r["问题"] == before[0]["问题"])
    assert (kept["整改措施"], kept["责任科室"]) == (FILLED, "财务科")
    assert after[-1]["项目"] == "已撤销项目" and after[-1]["整改措施"] == "项目已撤销,无需整改"
    assert after[-1]["严重程度"].startswith(NOT_REPORTED) and after[-1]["序号"] is None


def rows_of_fresh(runner, folder):
    fresh = folder / "fresh.xlsx"
    assert evaluate_xlsx(runner, fresh).exit_code == 0
    return rows_of(fresh)


def test_updating_again_changes_nothing(runner, ledger):
    assert evaluate_xlsx(runner, ledger).exit_code == 0
    once = ledger.read_bytes()
    again = evaluate_xlsx(runner, ledger)
    assert again.exit_code == 0 and "新增 0 个问题,1 个问题本次未再报告" in again.stderr
    assert ledger.read_bytes() == once
    assert rows_of(ledger)[-1]["严重程度"].count(NOT_REPORTED) == 1


def test_force_writes_a_fresh_ledger(runner, ledger, tmp_path):
    assert evaluate_xlsx(runner, ledger, "--force").exit_code == 0
    fresh = tmp_path / "fresh.xlsx"
    assert evaluate_xlsx(runner, fresh).exit_code == 0
    assert ledger.read_bytes() == fresh.read_bytes()


def test_another_workbook_is_not_taken_for_a_ledger(runner, tmp_path):
    other = tmp_path / "整改台账.xlsx"
    book = Workbook()
    book.active.title = "整改台账"
    book.active["A1"] = "部门自己的表"
    book.save(other)
    before = other.read_bytes()
    result = evaluate_xlsx(runner, other)
    assert result.exit_code == 2 and "已存在" in result.stderr
    assert other.read_bytes() == before

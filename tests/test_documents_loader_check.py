"""perfaudit import of a published document is checked by the facts loader before anything is written: what
the loader would refuse is reported at the document's cell, exit 2, no file."""
from __future__ import annotations

import copy

from engine.cli import cli

from . import documents_forms as F


def _with_target(target: str) -> F.Form:
    form = copy.deepcopy(F.PUTUO_1)
    row = next(r for r in form.rows if "合同结算条款完成率" in r)
    row[row.index("=100%")] = target
    return form


def test_a_value_the_loader_refuses_is_reported_at_its_cell_and_nothing_is_written(runner, tmp_path):
    F.write_html(tmp_path / "form.html", [_with_target("20-10个")])
    out = tmp_path / "out"
    result = runner.invoke(cli, ["import", str(tmp_path / "form.html"), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "form.html 表1 第12行第5列" in result.output and "下限大于上限" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_value_the_loader_accepts_is_written(runner, tmp_path):
    F.write_html(tmp_path / "form.html", [_with_target("10-20个")])
    result = runner.invoke(cli, ["import", str(tmp_path / "form.html"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output

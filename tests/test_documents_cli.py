"""perfaudit import of published documents: where the facts go, the summary, same input -> same bytes,
nothing overwritten without --force, the template keeping its own path, the libraries loaded lazily."""
from __future__ import annotations

import subprocess
import sys

import yaml

from engine.cli import cli

from . import documents_forms as F
from .conftest import ROOT


def test_import_writes_facts_per_unit_with_a_summary(runner, tmp_path, monkeypatch):
    F.write_pdf(tmp_path / "一.pdf", [F.PUTUO_1])
    F.write_docx(tmp_path / "二.docx", [F.PUTUO_2])
    F.write_html(tmp_path / "临翔.html", [F.LINXIANG])
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["import", "一.pdf", "二.docx", "临翔.html"])
    assert result.exit_code == 0, result.output
    putuo = tmp_path / "facts" / "2022" / "上海市普陀区体育事业管理中心.yaml"
    linxiang = tmp_path / "facts" / "2023" / "临沧市临翔区林业和草原局.yaml"
    data = yaml.safe_load(putuo.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["projects"]] == ["普陀体育中心与委托运营方结算费用", "援滇对口支援及结对帮扶经费"]
    assert data["document"]["file"] == "一.pdf、二.docx"  # one unit and year: one facts file
    assert "unreadable" in yaml.safe_load(linxiang.read_text(encoding="utf-8"))["projects"][0]["budget"]
    assert "一.pdf: 找到 1 张自评表,1 个项目,读出 68 个数值;所有数值格均已读出" in result.output
    assert "临翔.html: 找到 1 张自评表,1 个项目,读出 40 个数值;2 格未导入:" in result.output
    assert "  表1 第4行第3列: 合并跨年初预算数、全年预算数、全年执行数3栏" in result.output
    assert "核对后核查: perfaudit evaluate facts/2022 facts/2023" in result.output


def test_same_input_same_bytes_and_no_overwrite_without_force(runner, tmp_path):
    F.write_xlsx(tmp_path / "form.xlsx", [F.GUCHENG])
    out = tmp_path / "out"
    first = runner.invoke(cli, ["import", str(tmp_path / "form.xlsx"), "-o", str(out)])
    assert first.exit_code == 0, first.output
    [written] = out.iterdir()
    before = written.read_bytes()
    again = runner.invoke(cli, ["import", str(tmp_path / "form.xlsx"), "-o", str(out)])
    assert again.exit_code == 2 and "文件已存在,未覆盖" in again.output
    forced = runner.invoke(cli, ["import", str(tmp_path / "form.xlsx"), "-o", str(out), "--force"])
    assert forced.exit_code == 0 and written.read_bytes() == before


def test_one_document_to_a_named_file_or_standard_output(runner, tmp_path):
    F.write_html(tmp_path / "form.html", [F.GUCHENG])
    named = runner.invoke(cli, ["import", str(tmp_path / "form.html"), "-o", str(tmp_path / "古城.yaml")])
    assert named.exit_code == 0, named.output
    shown = runner.invoke(cli, ["import", str(tmp_path / "form.html"), "-o", "-"])
    assert shown.stdout == (tmp_path / "古城.yaml").read_text(encoding="utf-8")


def test_output_onto_a_file_or_through_a_file_is_refused_not_an_internal_error(runner, tmp_path):
    """-o onto the input itself (or /dev/null, any existing file) was taken for a folder to make: an internal
    error (exit 70, FileExistsError), as was a path through a file (NotADirectoryError), in both imports."""
    from .test_spreadsheet import make_xlsx

    source = tmp_path / "form.html"
    F.write_html(source, [F.GUCHENG])
    before = source.read_bytes()
    for output, message in [(str(source), "-o 应是目录或 .yaml 文件名,这里是一个已有的文件"),
                            (str(source / "sub" / "x.yaml"), "路径中有一级不是目录"),
                            (str(source / "sub"), "路径中有一级不是目录")]:
        result = runner.invoke(cli, ["import", str(source), "-o", output])
        assert result.exit_code == 2 and "内部错误" not in result.output, (output, result.output)
        assert message in result.output
    assert source.read_bytes() == before
    workbook = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    result = runner.invoke(cli, ["import", str(workbook), "--year", "2024", "-o", str(source / "x.yaml")])
    assert result.exit_code == 2 and "路径中有一级不是目录" in result.output, result.output
    assert source.read_bytes() == before


def test_the_same_form_in_two_formats_is_refused(runner, tmp_path):
    F.write_html(tmp_path / "a.html", [F.PUTUO_1])
    F.write_docx(tmp_path / "a.docx", [F.PUTUO_1])
    result = runner.invoke(cli, ["import", str(tmp_path / "a.html"), str(tmp_path / "a.docx"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "可能是同一份表的两种格式" in result.output
    assert not (tmp_path / "o").exists()


def test_the_template_still_needs_its_year(runner, tmp_path):
    from .test_spreadsheet import make_xlsx

    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    result = runner.invoke(cli, ["import", str(source), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "须给出 --year" in result.output
    done = runner.invoke(cli, ["import", str(source), "--year", "2024", "-o", str(tmp_path / "x.yaml")])
    assert done.exit_code == 0, done.output


def test_document_libraries_are_loaded_only_when_a_document_is_read():
    code = ("import sys, engine.cli, engine.io.documents.importer; "
            "print(sorted(m for m in ('bs4', 'lxml', 'docx', 'pdfplumber', 'xlrd', 'cn2an') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr

"""Files that cannot be imported get one clear line each (exit 2, nothing written, no traceback): a scan
without a text layer, a password-protected PDF or DOCX, a page with no form, an unsupported type."""
from __future__ import annotations

import pytest

from engine.cli import cli

from . import documents_forms as F


def image_only_pdf(path):
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    page.rect(50, 50, 400, 600, fill=1)  # what a scanned page is to a reader: a picture, no characters
    page.save()


def encrypted_pdf(path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("口令", canPrint=0))
    page.drawString(100, 100, "2023")
    page.save()


def encrypted_docx(path):
    # Office saves a password-protected .docx as an OLE compound file holding an EncryptedPackage stream
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"))


def no_form_html(path):
    path.write_text("<html><body><p>通知公告</p><table><tr><td>栏目</td><td>日期</td></tr></table></body></html>",
                    encoding="utf-8")


CASES = {
    "scan.pdf": (image_only_pdf, "没有文字层"),
    "locked.pdf": (encrypted_pdf, "受密码保护"),
    "locked.docx": (encrypted_docx, "受密码保护"),
    "notice.html": (no_form_html, "没有找到自评表"),
    "report.txt": (lambda p: p.write_text("x", encoding="utf-8"), "不支持的文件类型"),
    "broken.docx": (lambda p: p.write_bytes(b"PK\x03\x04 not really"), "无法读取 docx"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_line_reason_exit_2_nothing_written(runner, tmp_path, name):
    make, reason = CASES[name]
    make(tmp_path / name)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["import", str(tmp_path / name), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert reason in result.output and "Traceback" not in result.output
    assert f"{tmp_path / name}: " in result.output.splitlines()[0]
    assert not out.exists()


def test_one_bad_file_stops_the_good_ones_too_and_every_problem_is_listed(runner, tmp_path):
    F.write_html(tmp_path / "good.html", [F.PUTUO_1])
    image_only_pdf(tmp_path / "scan.pdf")
    encrypted_pdf(tmp_path / "locked.pdf")
    result = runner.invoke(cli, ["import", str(tmp_path / "good.html"), str(tmp_path / "scan.pdf"),
                                 str(tmp_path / "locked.pdf"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "没有文字层" in result.output and "受密码保护" in result.output and "共 2 个错误" in result.output
    assert not (tmp_path / "out").exists()

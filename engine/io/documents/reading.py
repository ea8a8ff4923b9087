"""One entry point: a file -> Document, or an InputError with a one-line reason a person can act on
(unsupported type, password protected, a scan without a text layer, damaged, too large)."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..output import refuse
from .model import MAX_DOCUMENT_BYTES, Document, TooLarge

DOCUMENT_SUFFIXES = {".html": "html", ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx",
                     ".xls": "xls", ".pdf": "pdf"}
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: legacy Office, or an encrypted OOXML package


def read_document(path: Path, display: str) -> Document:
    kind = DOCUMENT_SUFFIXES.get(path.suffix.lower())
    if not path.is_file():
        raise refuse(display, "文件不存在", "检查路径拼写;相对路径从当前目录算起")
    if kind is None:
        raise refuse(display, f"不支持的文件类型 “{path.suffix or '(无扩展名)'}”",
                     "可导入 .html/.htm、.docx、.xlsx、.xls、.pdf 以及本工具的 .xlsx/.csv 模板;"
                     ".doc/.wps 请先另存为 .docx")
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise refuse(display, f"文件大小 {size >> 20} MB,超过上限 {MAX_DOCUMENT_BYTES >> 20} MB",
                     "只保留自评表所在的部分后再导入")
    with path.open("rb") as fh:
        head = fh.read(8)
    if kind in ("docx", "xlsx") and head == _CFB:
        # an encrypted package names its stream EncryptedPackage, in UTF-16, in the compound file's directory
        encrypted = "EncryptedPackage".encode("utf-16-le") in path.read_bytes()
        raise refuse(display, "文件受密码保护(已加密),无法读取" if encrypted
                     else f"文件不是 .{kind} 格式(可能是旧版 Office 文件改了扩展名)",
                     "在 Office 中打开,取消密码后另存为 ." + kind)
    try:
        return _read(path, kind, display)
    except TooLarge as exc:
        raise refuse(display, f"超出导入上限: {exc}", "只保留自评表所在的部分后再导入") from None


def _read(path: Path, kind: str, display: str) -> Document:
    if kind == "html":
        from .read_html import read_html

        return read_html(path.read_bytes())
    if kind == "docx":
        return _read_docx(path, display)
    if kind == "xlsx":
        from .read_sheets import read_xlsx_document

        try:
            return read_xlsx_document(path, display)
        except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError) as exc:
            raise refuse(display, f"无法读取 xlsx 文件({type(exc).__name__})",
                         "确认文件未损坏,并在 Excel 中另存为 .xlsx") from None
    if kind == "xls":
        return _read_xls(path, display)
    return _read_pdf(path, display)


def _read_docx(path: Path, display: str) -> Document:
    from ..spreadsheet.xlsxread import SheetTooLarge, check_parts
    from .read_docx import read_docx

    try:
        with zipfile.ZipFile(path) as archive:
            check_parts(archive)
        return read_docx(path)
    except SheetTooLarge as exc:
        raise refuse(display, f"超出导入上限: {exc}", "只保留自评表所在的部分后另存为 .docx") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise refuse(display, f"无法读取 docx 文件({type(exc).__name__}),文件可能已损坏",
                     "在 Word 中打开并另存为 .docx 后重试") from None


def _read_xls(path: Path, display: str) -> Document:
    import xlrd

    from .read_sheets import read_xls_document

    try:
        return read_xls_document(path)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise refuse(display, "文件受密码保护(已加密),无法读取", "在 Excel 中取消密码后另存") from None
        raise refuse(display, "无法读取 xls 文件,文件可能已损坏或不是 .xls 格式",
                     "在 Excel 中打开并另存为 .xlsx 后重试") from None
    except (AssertionError, IndexError, KeyError, ValueError, EOFError):  # xlrd's reactions to damaged BIFF
        raise refuse(display, "无法读取 xls 文件,文件可能已损坏", "在 Excel 中打开并另存为 .xlsx 后重试") from None


def _read_pdf(path: Path, display: str) -> Document:
    from pdfplumber.utils.exceptions import PdfminerException

    from .read_pdf import NoTextLayer, read_pdf

    try:
        return read_pdf(path)
    except NoTextLayer:
        raise refuse(display, "PDF 没有文字层(是扫描图像),无法读取",
                     "向发布单位索取可复制文字的 PDF 或原始的 Word/Excel 文件,或先做文字识别(OCR)") from None
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else None
        name = type(cause).__name__
        if "Password" in name or "Encryption" in name:
            raise refuse(display, "PDF 受密码保护(已加密),无法读取", "向发布单位索取未加密的文件") from None
        raise refuse(display, f"无法读取 PDF 文件({name}),文件可能已损坏或不完整",
                     "重新下载后再导入") from None

"""Writing xlsx workbooks with openpyxl so that the same content gives the same bytes.

openpyxl stamps the save time into docProps/core.xml and into every zip entry; both are
replaced by a fixed instant here, so reports and templates can be compared byte for byte.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from ...core.cjk import display_width

FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def new_workbook():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "perfaudit"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    return workbook


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


def text_width(value, cap: int = 60) -> int:
    """Column width in Excel character units for the longest line, CJK counted as two."""
    if value is None:
        return 0
    return min(cap, max((display_width(line) for line in str(value).split("\n")), default=0))

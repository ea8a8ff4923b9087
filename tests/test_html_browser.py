"""The HTML report in a real browser (headless Chromium): what a reader sees, not only what we wrote.

Checks the parsed DOM (every finding, both charts with their bars and the warning line, the
Chinese text), decodes screenshots to check that the charts are drawn in their colours and that
Chinese characters render as real glyphs (not identical "tofu" boxes), and keeps a screenshot of
the report in tests/artifacts/ for people to look at. `make test` installs Chromium where it can
(tools/ensure-chromium.sh); these tests skip only when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from engine.cli import cli

from .conftest import FACTS_2024, RULES

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium 未安装(make test 会以 root 用 apt-get 安装 chromium 和 "
                                       "fonts-noto-cjk;见 tools/ensure-chromium.sh)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    result = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    return result


def png_rows(data: bytes) -> tuple[int, int, int, list]:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) into rows of pixel bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    prev, i = bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind in (3, 4):
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                if kind == 3:
                    line[x] = (line[x] + ((a + b) >> 1)) & 255
                else:
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def count_colour(rows, bpp: int, rgb: tuple, tolerance: int = 12) -> int:
    n = 0
    for row in rows:
        for x in range(0, len(row), bpp):
            if all(abs(row[x + k] - rgb[k]) <= tolerance for k in range(3)):
                n += 1
    return n


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    target = tmp_path_factory.mktemp("html") / "report.html"
    out = CliRunner().invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "html",
                                   "-o", str(target)])
    assert out.exit_code == 0, out.output
    return target


def test_dom_shows_findings_charts_and_chinese_text(report_file, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", report_file.as_uri()).stdout.decode("utf-8")
    assert "预算绩效自评核查报告" in dom and "杜集区城市管理局 2024 年度" in dom
    assert len(re.findall(r'<article class="finding sev-(?:error|warning|info)"', dom)) == 23
    assert "【智慧城管】" in dom and "低于预警线 70%" in dom
    execution = re.search(r'<svg[^>]*class="chart chart-execution".*?</svg>', dom, re.S).group(0)
    assert len(re.findall(r'<rect class="bar(?: below)?"', execution)) == 7
    assert len(re.findall(r'<rect class="bar below"', execution)) == 3
    assert 'class="warning-line"' in execution and "预警线 70%" in execution
    grades = re.search(r'<svg[^>]*class="chart chart-grades".*?</svg>', dom, re.S).group(0)
    assert len(re.findall(r'<circle class="score"', grades)) == 7
    assert len(re.findall(r'class="reported-grade mismatch"', grades)) == 3
    assert "<script" not in dom


def test_screenshot_draws_the_charts_and_is_kept(report_file, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    chromium(tmp_path, "--window-size=900,2600", f"--screenshot={shot}", report_file.as_uri())
    assert shot.stat().st_size > 50_000  # a page of text and charts, not a blank image
    small = tmp_path / "small.png"
    chromium(tmp_path, "--window-size=900,2000", "--force-device-scale-factor=0.5", f"--screenshot={small}",
             report_file.as_uri())
    _w, _h, bpp, rows = png_rows(small.read_bytes())
    assert count_colour(rows, bpp, (0xA8, 0x32, 0x2D)) > 2000, "bars below the warning line are not drawn"
    assert count_colour(rows, bpp, (0x3F, 0x5F, 0x8A)) > 2000, "bars above the warning line are not drawn"
    assert count_colour(rows, bpp, (0x1F, 0x2D, 0x3D), tolerance=6) > 20, "score markers are not drawn"


def test_chinese_text_renders_as_real_glyphs(tmp_path):
    from engine.render.html_report import CSS

    images = []
    for i, text in enumerate(("预算绩效", "核查报告")):
        page = tmp_path / f"glyphs{i}.html"
        page.write_text(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{CSS}'
                        f"body{{margin:0;padding:4px;font-size:40px}}</style></head><body>{text}</body></html>",
                        "utf-8")
        shot = tmp_path / f"glyphs{i}.png"
        chromium(tmp_path, "--window-size=220,70", f"--screenshot={shot}", page.as_uri())
        _w, _h, bpp, rows = png_rows(shot.read_bytes())
        ink = sum(1 for row in rows for x in range(0, len(row), bpp) if row[x] < 100)
        assert ink > 200, f"“{text}” 没有画出来"
        images.append(rows)
    # without a CJK font every character is the same "missing glyph" box and the two images are equal
    assert images[0] != images[1], "中文显示为方框:缺少 CJK 字体(apt-get install fonts-noto-cjk)"


MEASURE = """<script>
addEventListener("load", () => {
  const cells = [...document.querySelectorAll("table.metrics td, table.metrics th, table.by-family td")];
  const lines = cell => { const r = document.createRange(); r.selectNodeContents(cell);
    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
  const tick = document.querySelector("svg.chart .tick");
  const out = parent.document.documentElement.dataset;
  out.viewWidth = innerWidth;
  out.pageWidth = document.documentElement.scrollWidth;
  out.wrappedCells = cells.filter(c => lines(c) > 1).length;
  out.narrowestCell = Math.min(...cells.map(c => c.getBoundingClientRect().width));
  out.tickPx = parseFloat(getComputedStyle(tick).fontSize) * tick.ownerSVGElement.getScreenCTM().a;
});
</script>"""


def test_at_420_px_nothing_overflows_cells_do_not_wrap_per_character_and_chart_labels_are_readable(
        report_file, tmp_path):
    from html import escape

    # headless windows are at least 500 px wide: the report goes into a 420 px frame (srcdoc: same origin)
    report = report_file.read_text("utf-8").replace("</body>", MEASURE + "</body>")
    page = tmp_path / "phone.html"
    page.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe width="420" height="800" '
                    f'style="border:0" srcdoc="{escape(report, quote=True)}"></iframe></body></html>', "utf-8")
    dom = chromium(tmp_path, "--window-size=600,900", "--virtual-time-budget=5000", "--dump-dom",
                   page.as_uri()).stdout.decode("utf-8")
    measured = {k: float(v) for k, v in re.findall(r'data-([a-z-]+)="([\d.]+)"', dom)}
    assert measured["view-width"] == 420, measured
    assert measured["page-width"] <= 420, measured  # tables and charts scroll inside themselves, the page does not
    assert measured["wrapped-cells"] == 0, measured  # before: project names one character per line
    assert measured["narrowest-cell"] >= 20, measured  # before: 13 px
    assert measured["tick-px"] >= 11, measured  # before: about 5.5 px

def test_prints_on_a_few_a4_pages(report_file, tmp_path):
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_file.as_uri())
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert 5 <= pages <= 13  # 23 findings; 15 pages before, with page 1 half empty

"""The HTML report in a real browser (headless Chromium): what a reader sees, not only what we wrote.

Checks the parsed DOM (every finding, both charts with their bars and the warning line, the
Chinese text), decodes screenshots to check that the charts are drawn in their colours and that
Chinese characters render as real glyphs (not identical "tofu" boxes), and keeps a screenshot of
the report in tests/artifacts/ for people to look at. `make test` installs Chromium where it can
(tools/ensure-chromium.sh); these tests skip only when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import re
import subprocess
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


def colours(png: Path) -> list:
    """(count, (r, g, b)) of every colour of the image. Pillow (a dependency of pdfplumber) decodes it; the
    pure-Python decoder this replaced took a second per screenshot."""
    from PIL import Image

    with Image.open(png) as image:
        return image.convert("RGB").getcolors(1 << 24)


def count_colour(colours_of: list, rgb: tuple, tolerance: int = 12) -> int:
    return sum(n for n, pixel in colours_of if all(abs(pixel[k] - rgb[k]) <= tolerance for k in range(3)))


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
    drawn = colours(small)
    assert count_colour(drawn, (0xA8, 0x32, 0x2D)) > 2000, "bars below the warning line are not drawn"
    assert count_colour(drawn, (0x3F, 0x5F, 0x8A)) > 2000, "bars above the warning line are not drawn"
    assert count_colour(drawn, (0x1F, 0x2D, 0x3D), tolerance=6) > 20, "score markers are not drawn"


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
        drawn = colours(shot)
        ink = sum(n for n, pixel in drawn if pixel[0] < 100)
        assert ink > 200, f"“{text}” 没有画出来"
        images.append(shot.read_bytes())
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

"""Hand-written inline SVG charts for the HTML report: no scripts, no fonts to fetch, same input same bytes.

Coordinates are printed with one decimal so the output never depends on float repr; every text
node is escaped. Each chart is a complete <svg> element sized by viewBox, so it scales to the page.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape
from itertools import accumulate

from ..core.cjk import display_width
from ..core.findings import format_value
from .style import computed_rate, parameter_shown

WIDTH = 680
ROW = 26
BAR = 14
TOP = 34
BOTTOM = 34
FONT = 12
BAND_FILLS = ("#dcebd6", "#e3ecf6", "#f6efd9", "#f4e0de", "#ececec")  # from the top band down


def _n(x: float) -> str:
    return f"{x:.1f}"


def _text(x, y, content, cls: str, anchor="start", title=None) -> str:
    inner = escape(content)
    if title:
        inner = f"<title>{escape(title)}</title>{inner}"
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" class="{cls}">{inner}</text>'


def _clip(label: str, width_px: float) -> str:
    """Shorten a long project name to the label column; the full name stays in a <title>."""
    limit = int(width_px / (FONT / 2))
    if display_width(label) <= limit:
        return label
    kept = sum(1 for width in accumulate(map(display_width, label)) if width <= limit - 2)  # widths only grow
    return label[:kept] + "…"


def _label_width(names) -> float:
    widest = max((display_width(n) for n in names), default=4)
    return min(200.0, max(72.0, widest * FONT / 2 + 14))


def _svg(height: float, cls: str, label: str, body: list) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {WIDTH} {_n(height)}" '
            f'width="100%" role="img" aria-label="{escape(label)}" font-size="{FONT}">'
            f"<title>{escape(label)}</title>" + "".join(body) + "</svg>")


def _tick_step(top_pct: int) -> int:
    """Gridline spacing in percent points: 20 up to 200%, 50 up to 500%, then 100, 200, 500, 1000, ... so
    that an executed amount far above its budget (a unit slip: 元 for 万元) still draws about ten gridlines."""
    if top_pct <= 200:
        return 20
    step = 50
    while top_pct > step * 10:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def execution_rate_chart(rows, warning_line, caption: str) -> str:
    """Horizontal bars of executed / full-year budget per project, with the warning line in force.

    rows: (project name, rate as a Decimal fraction or None); warning_line: Decimal fraction or None.
    """
    rows = list(rows)
    left = _label_width(n for n, _ in rows)
    right = 64.0
    plot = WIDTH - left - right
    highest = max([r for _, r in rows if r is not None] + [Decimal(1)])
    top_pct = int((highest * 10).to_integral_value(rounding="ROUND_CEILING")) * 10  # axis end, a multiple of 10%
    scale = plot / top_pct

    def x(rate: Decimal) -> float:
        return left + float(rate * 100) * scale

    height = TOP + ROW * len(rows) + BOTTOM
    body = []
    for tick in range(0, top_pct + 1, _tick_step(top_pct)):
        tx = left + tick * scale
        body.append(f'<line class="grid" x1="{_n(tx)}" y1="{TOP - 6}" x2="{_n(tx)}" '
                    f'y2="{_n(height - BOTTOM + 4)}" stroke="#d5d5d5" stroke-width="0.6"/>')
        body.append(_text(tx, height - BOTTOM + 18, f"{tick}%", "tick", "middle"))
    for i, (name, rate) in enumerate(rows):
        y = TOP + i * ROW
        body.append(_text(left - 8, y + ROW / 2 + 4, _clip(name, left - 12), "label", "end", name))
        if rate is None:  # an amount is missing or the full-year budget is zero
            body.append(_text(left + 4, y + ROW / 2 + 4, "(无法计算)", "missing"))
            continue
        below = warning_line is not None and rate < warning_line
        cls = "bar below" if below else "bar"
        fill = "#a8322d" if below else "#3f5f8a"
        width = max(0.0, x(rate) - left)
        body.append(f'<rect class="{cls}" x="{_n(left)}" y="{_n(y + (ROW - BAR) / 2)}" width="{_n(width)}" '
                    f'height="{BAR}" fill="{fill}"><title>{escape(name)} 执行率 {escape(computed_rate(rate))}</title></rect>')
        body.append(_text(WIDTH - 8, y + ROW / 2 + 4, computed_rate(rate), "value below" if below else "value", "end"))
    if warning_line is not None:
        wx = x(warning_line)
        body.append(f'<line class="warning-line" x1="{_n(wx)}" y1="{TOP - 10}" x2="{_n(wx)}" '
                    f'y2="{_n(height - BOTTOM + 4)}" stroke="#a8322d" stroke-width="1.4" stroke-dasharray="5 3"/>')
        body.append(_text(wx, TOP - 14, f"预警线 {parameter_shown(warning_line, 'ratio')}", "warning-label", "middle"))
    body.append(f'<line x1="{_n(left)}" y1="{TOP - 6}" x2="{_n(left)}" y2="{_n(height - BOTTOM + 4)}" '
                f'stroke="#555" stroke-width="1"/>')
    return _svg(height, "chart-execution", caption, body)


def _axis_floor(rows, bands) -> int:
    """Start the score axis at the lowest band that a score or a reported grade falls in."""
    if not bands:
        return 0
    lowest = min(b["min"] for b in bands)
    lows = [b["min"] for *_, reported_band, band in rows for b in bands if b["grade"] in (reported_band, band)]
    lows += [Decimal(0) for _name, score, *_ in rows if score is not None and score < lowest]
    if not lows:  # no score falls in a band: show the top two bands for context
        lows = [sorted(b["min"] for b in bands)[-2 if len(bands) > 1 else 0]]
    return int(min(lows))


def score_band_chart(rows, bands, caption: str) -> str:
    """Score per project over the grade bands; the band of the grade the report wrote is outlined.

    rows: (project name, score Decimal or None, reported grade word, its band or None, computed band or None);
    bands: the grade_bands parameter value in force ([{grade, min, max}, ...]) or None.
    """
    rows = list(rows)
    bands = sorted(bands or [], key=lambda b: b["min"])
    left = _label_width(r[0] for r in rows)
    right = 150.0
    plot = WIDTH - left - right
    low = _axis_floor(rows, bands)
    high = max([int(b["max"]) for b in bands] + [100])
    scale = plot / (high - low)

    def x(score) -> float:
        clamped = min(max(Decimal(score), Decimal(low)), Decimal(high))
        return left + float(clamped - low) * scale

    height = TOP + ROW * len(rows) + BOTTOM + 16
    body = []
    bottom = height - BOTTOM - 12
    for i, b in enumerate(bands):
        if b["max"] <= low:
            continue
        x1, x2 = x(max(b["min"], low)), x(b["max"])
        fill = BAND_FILLS[min(len(bands) - 1 - i, len(BAND_FILLS) - 1)]
        body.append(f'<rect class="band" x="{_n(x1)}" y="{TOP - 8}" width="{_n(x2 - x1)}" '
                    f'height="{_n(bottom - TOP + 8)}" fill="{fill}"/>')
        label = f"{b['grade']} [{b['min']}, {b['max']}" + ("]" if b.get("include_max") else ")")
        body.append(_text((x1 + x2) / 2, TOP - 14, label if x2 - x1 >= 72 else b["grade"], "band-label", "middle"))
    for tick in sorted({low, high} | {int(b["min"]) for b in bands if b["min"] > low}):
        tx = left + (tick - low) * scale
        body.append(_text(tx, bottom + 16, str(tick), "tick", "middle"))
    for i, (name, score, reported_grade, reported_band, band) in enumerate(rows):
        y = TOP + i * ROW
        body.append(_text(left - 8, y + ROW / 2 + 4, _clip(name, left - 12), "label", "end", name))
        marked = [b for b in bands if b["grade"] == reported_band and b["max"] > low]
        mismatch = reported_band is not None and band is not None and reported_band != band
        for b in marked:
            x1, x2 = x(max(b["min"], low)), x(b["max"])
            paint = ('fill="#a8322d" fill-opacity="0.16" stroke="#a8322d" stroke-width="1.2"' if mismatch else
                     'fill="none" stroke="#333" stroke-width="1.2" stroke-dasharray="4 2"')
            body.append(f'<rect class="reported-grade{" mismatch" if mismatch else ""}" x="{_n(x1 + 1)}" '
                        f'y="{_n(y + 2)}" width="{_n(x2 - x1 - 2)}" height="{ROW - 4}" {paint}>'
                        f"<title>报告所填等级“{escape(reported_band)}”所在档次</title></rect>")
        if score is None:
            body.append(_text(left + 4, y + ROW / 2 + 4, "(缺失)", "missing"))
        else:
            sx = x(score)
            body.append(f'<rect class="score-bar" x="{_n(left)}" y="{_n(y + (ROW - 8) / 2)}" '
                        f'width="{_n(max(0.0, sx - left))}" height="8" fill="#5b6b7f"/>')
            body.append(f'<circle class="score" cx="{_n(sx)}" cy="{_n(y + ROW / 2)}" r="5" fill="#1f2d3d">'
                        f"<title>{escape(name)} 得分 {escape(format_value(score))}</title></circle>")
        note = f"{format_value(score)} 分" if score is not None else ""
        note += f" {reported_grade or ''}" + (f" → 应为{band}" if mismatch else "")
        body.append(_text(WIDTH - right + 10, y + ROW / 2 + 4, note.strip(),
                          "note mismatch" if mismatch else "note"))
    body.append(f'<line x1="{_n(left)}" y1="{TOP - 8}" x2="{_n(left)}" y2="{_n(bottom)}" stroke="#555"/>')
    ly = height - 12
    body.append(f'<rect x="{_n(left)}" y="{_n(ly - 9)}" width="22" height="11" fill="none" stroke="#333" '
                f'stroke-dasharray="4 2"/>')
    body.append(_text(left + 28, ly, "报告所填等级的档次", "legend"))
    body.append(f'<rect x="{_n(left + 160)}" y="{_n(ly - 9)}" width="22" height="11" fill="#a8322d" '
                f'fill-opacity="0.16" stroke="#a8322d" stroke-width="1.2"/>')
    body.append(_text(left + 188, ly, "与得分所在档次不符", "legend"))
    body.append(f'<circle cx="{_n(left + 330)}" cy="{_n(ly - 4)}" r="5" fill="#1f2d3d"/>')
    body.append(_text(left + 340, ly, "自评得分", "legend"))
    return _svg(height, "chart-grades", caption, body)

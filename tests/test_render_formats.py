"""HTML, Markdown, CSV and xlsx reports (issue 4, sections 1 and 2): content, escaping, determinism."""
from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from engine import evaluate, load_facts, load_rules
from engine.cli import cli
from engine.render import FORMATS, is_binary, render
from engine.render.style import prose

from .conftest import BACKENDS, FACTS_2024, RULES
from .factsfile import D, facts_text, indicator, project



@pytest.fixture(scope="module")
def result(ruleset, seed_reports):
    return evaluate(ruleset, seed_reports, backend="python")


def with_warning_line(tmp_path: Path, value: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    params = rules / "parameters.yaml"
    text, n = re.subn(r"(exec_warning_line:.*?value: )0\.70", rf"\g<1>{value}", params.read_text("utf-8"), count=1,
                      flags=re.S)
    assert n == 1
    params.write_text(text, "utf-8")
    return rules


# ---- registry and CLI ----------------------------------------------------------------


def test_formats_registered_with_binary_flag():
    assert {"html", "md", "csv", "xlsx"} <= set(FORMATS)
    assert is_binary("xlsx") and not is_binary("html") and not is_binary("csv") and not is_binary("md")


def test_xlsx_to_a_terminal_is_refused(runner, monkeypatch, tmp_path):
    monkeypatch.setattr("engine.cli.evaluate.stdout_is_terminal", lambda: True)
    out = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "xlsx"])
    assert out.exit_code == 2
    assert "-o" in out.output and "二进制" in out.output
    written = tmp_path / "台账.xlsx"
    ok = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", "xlsx",
                             "-o", str(written)])
    assert ok.exit_code == 0, ok.output
    assert zipfile.is_zipfile(written)


@pytest.mark.parametrize("fmt", ["html", "md", "csv", "xlsx"])
def test_cli_writes_each_format_identically_on_every_backend(runner, tmp_path, fmt):
    outputs = set()
    for i, backend in enumerate(BACKENDS + BACKENDS):
        target = tmp_path / f"r{i}.{fmt}"
        out = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--format", fmt,
                                  "--backend", backend, "-o", str(target)])
        assert out.exit_code == 0, out.output
        outputs.add(target.read_bytes())
    assert len(outputs) == 1


# ---- HTML ------------------------------------------------------------------------------


def test_html_is_self_contained_and_printable(result):
    html = render("html", result)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    lowered = html.lower()
    for external in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert external not in lowered, external
    assert "@page" in html and "size: A4" in html and "@media print" in html


def test_html_summary_counts_by_family_and_severity(result):
    html = render("html", result)
    summary = html.split('<table class="by-family">')[1].split("</table>")[0]
    row = re.search(r"<td>预算执行率</td>.*?</tr>", summary).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["0", "3", "0", "3"]
    total = re.search(r'<tr class="total">.*?</tr>', summary).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', total)[-1] == str(len(result.findings))


def test_html_findings_grouped_with_evidence_and_both_citations(result):
    html = render("html", result)
    assert html.count('<article class="finding') == len(result.findings)
    project = html.split("<h3>【智慧城管】")[1].split("</section>")[0]
    finding = [a for a in project.split("<article")[1:] if 'data-rule="execution.below-warning-line"' in a][0]
    assert "智慧城管全年执行 111.85万元 / 全年预算 170.35万元 = 执行率 65.66%，低于预警线 70%" in finding
    assert "<th>执行率</th><td>65.66%</td>" in finding  # evidence in the rule's own format, not 0.6565…
    assert "<th>预警线</th><td>70%</td>" in finding
    assert 'class="ver ver-' in finding  # verification status shown with each policy clause
    assert re.search(r'<p class="file fact-file">[^<]*facts/2024/杜集区城市管理局\.yaml</p>', finding)
    assert re.search(r"<td>二（一） 表 第1行</td><td>全年预算（万元）、全年执行（万元）</td><td class=\"num\">\d+、\d+</td>",
                     finding)


def test_html_quotes_only_verified_clauses(result):
    html = render("html", result)
    for item in re.findall(r"<ol class=\"policy\">(.*?)</ol>", html, re.S):
        for li in re.findall(r"<li>(.*?)</li>", item, re.S):
            if "ver-unverified" in li:
                assert "<blockquote>" not in li
    assert "<blockquote>" in html  # the seed cites verified clauses too


def test_html_charts_use_the_parameter_in_force(tmp_path, seed_reports, result):
    html = render("html", result)
    assert 'class="chart chart-execution"' in html and 'class="chart chart-grades"' in html
    assert html.count('class="bar below"') == 3
    assert "预警线 70%" in html
    # the three grade mismatches are outlined in the band the report wrote
    assert html.count('class="reported-grade mismatch"') == 3
    raised = evaluate(load_rules(with_warning_line(tmp_path, "0.95")), seed_reports, backend="python")
    html95 = render("html", raised)
    assert "预警线 95%" in html95 and html95.count('class="bar below"') == 4  # 城管进社区 94.28% joins


def test_html_escapes_text_from_facts(tmp_path, ruleset):
    name = '<img src=x onerror="alert(1)">&甲'
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "x.yaml").write_text(facts_text([project(name, initial=D("10"), full_year=D("10"), executed=D("1"),
                                                       rate="10%", total=D("95"), grade="良",
                                                       indicators=[indicator(target="≤100万元")])]), "utf-8")
    result = evaluate(ruleset, load_facts([folder]), backend="python")
    html = render("html", result)
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;甲" in html
    md = render("md", result)
    assert "\\<img src=x onerror=\"alert(1)\"\\>&甲" in md


def test_html_without_findings_says_so(tmp_path, ruleset):
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "ok.yaml").write_text(facts_text([project("甲", initial=D("10"), full_year=D("10"), executed=D("10"),
                                                         rate="100%", total=D("95"), grade="优")]), "utf-8")
    html = render("html", evaluate(ruleset, load_facts([folder]), backend="python"))
    assert "未发现问题" in html and "<article" not in html


# ---- Markdown --------------------------------------------------------------------------


def test_markdown_has_the_same_content(result):
    md = render("md", result)
    assert md.startswith("# 预算绩效自评核查报告")
    assert md.count("\n##### 〔") == len(result.findings)
    assert "| 数据一致性 | consistency | 12 | 0 | 0 | 12 |" in md
    assert "| 智慧城管 | 170.35 | 111.85 | 65.66% | 65.66% | 是 | 93.14 | 良好 | 优（报告为“良”） |" in md
    assert "预算执行率预警线：70%。" in md  # the parameter's title, not its id
    assert "执行率 = 65.66%" in md
    assert "〔未核实〕" in md and "\n    > " in md
    assert "`facts/2024/杜集区城市管理局.yaml:" in md or "杜集区城市管理局.yaml:" in md


def test_markdown_table_cells_cannot_break_out(tmp_path, ruleset):
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "x.yaml").write_text(facts_text([project("甲|乙*丙", initial=D("10"), full_year=D("10"), executed=D("1"),
                                                       rate="10%", total=D("95"), grade="良")]), "utf-8")
    md = render("md", evaluate(ruleset, load_facts([folder]), backend="python"))
    row = [line for line in md.splitlines() if line.startswith("| 甲")][0]
    assert row.startswith("| 甲\\|乙\\*丙 |")
    assert row.count(" | ") == 8  # nine cells, the escaped pipe is not a separator


# ---- CSV and xlsx ledger -----------------------------------------------------------------


LEDGER = ["序号", "部门", "年度", "项目", "问题", "规则", "严重程度", "依据", "数据来源", "整改措施", "责任科室", "完成时限"]


def test_csv_ledger_is_utf8_with_bom_one_row_per_finding(result):
    text = render("csv", result)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows[0] == LEDGER
    assert len(rows) == len(result.findings) + 1
    assert all(r[-3:] == ["", "", ""] for r in rows[1:])
    grading = [r for r in rows[1:] if r[5] == "报告等级与得分所在档次不符(grading.band-mismatch)"]
    assert {r[3] for r in grading} == {"智慧城管", "文明创建", "垃圾分类"}
    row = grading[0]
    assert row[1:3] == ["杜集区城市管理局", "2024"] and row[6] == "错误"
    assert "〔未核实〕" in row[7] and "报告填写为" in row[4]
    assert re.search(r"三（一） 表 第\d行 .* — .*杜集区城市管理局\.yaml:\d+", row[8])
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"


def test_csv_does_not_let_text_become_a_formula(tmp_path, ruleset):
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "x.yaml").write_text(facts_text([project("=HYPERLINK(\"x\")", initial=D("10"), full_year=D("10"),
                                                       executed=D("1"), rate="10%")]), "utf-8")
    result = evaluate(ruleset, load_facts([folder]), backend="python")
    rows = list(csv.reader(io.StringIO(render("csv", result)[1:], newline="")))
    assert any(r[3] == "'=HYPERLINK(\"x\")" for r in rows[1:])
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(render("xlsx", result)))["整改台账"]
    cells = [sheet.cell(row=r, column=4) for r in range(2, sheet.max_row + 1)]
    assert any(c.value == "=HYPERLINK(\"x\")" and c.data_type == "s" for c in cells)


def test_xlsx_ledger_layout(result):
    from openpyxl import load_workbook

    from engine.core.cjk import display_width

    data = render("xlsx", result)
    assert data == render("xlsx", result)  # same input, same bytes
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["整改台账", "核查信息"]
    sheet = book["整改台账"]
    assert [c.value for c in sheet[1]] == LEDGER
    assert sheet.max_row == len(result.findings) + 1
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:L{len(result.findings) + 1}"
    width = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert width["部门"] >= display_width("杜集区城市管理局")  # CJK counted as two
    assert width["问题"] > width["年度"] and width["整改措施"] >= 20
    problem = sheet.cell(row=2, column=5)
    assert problem.alignment.wrap_text and problem.value == prose(result.findings[0].message)
    assert all(sheet.cell(row=r, column=c).value is None for r in range(2, sheet.max_row + 1) for c in (10, 11, 12))
    assert book.properties.modified.year == 2000 and book.properties.created.year == 2000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_html_chart_of_an_execution_rate_far_above_100_percent(tmp_path):
    # executed 1,000,000,000 against a full-year budget of 0.01 (a unit slip): the chart's axis drew one
    # gridline every 50 percent points up to 10^13 %, and the html output never finished; now about ten
    import subprocess

    from .conftest import ROOT
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "x.yaml").write_text(facts_text([
        project("甲", initial=D("0.01"), full_year=D("0.01"), executed=D("1000000000"), rate="1000%"),
        project("乙", initial=D("10"), full_year=D("10"), executed=D("5"), rate="50%")]), "utf-8")
    out = tmp_path / "out.html"
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "perfaudit"), "evaluate", "--rules", str(RULES), str(folder),
                           "--format", "html", "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    html = out.read_text("utf-8")
    chart = re.search(r'<svg[^>]*class="chart chart-execution".*?</svg>', html, re.S).group(0)
    assert 5 <= chart.count('class="tick"') <= 11
    assert "10000000000000%" in chart  # the axis reaches the rate

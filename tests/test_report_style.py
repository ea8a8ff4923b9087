"""Reports that read the same in every format (issue 16 item 8): punctuation, precision, parameters, captions,
the text summary, the -v hint, terminal colour and the optional filing metadata. JSON stays as it was."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from engine import evaluate
from engine.cli import cli
from engine.render import RenderOptions, render
from engine.render.style import computed_rate, prose, wants_colour

from .conftest import FACTS_2024, RULES


@pytest.fixture(scope="module")
def result(ruleset, seed_reports):
    return evaluate(ruleset, seed_reports)


def run(runner, *args):
    out = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), *args])
    assert out.exit_code == 0, out.output
    return out.stdout


@pytest.mark.parametrize("fmt", ["text", "md", "html", "csv"])
def test_chinese_prose_uses_full_width_punctuation_in_every_format(result, fmt):
    doc = render(fmt, result)
    assert "全年预算 20.00万元 = 执行率 50%，低于预警线 70%" in doc  # the message, restyled
    assert "50%,低于" not in doc
    assert "二（一） 表" in doc and "二(一) 表" not in doc
    assert ("facts/2024/杜集区城市管理局.yaml" + ("" if fmt == "html" else ":")) in doc  # a path keeps its colon


def test_quotes_paths_and_numbers_keep_their_characters():
    assert prose("依据: 通知(摘要)「实事求是,确保数据准确」") == "依据：通知（摘要）「实事求是,确保数据准确」"
    assert prose("正文称“6个项目,完成”(6 个)") == "正文称“6个项目,完成”（6 个）"
    assert prose("facts/2024/甲(乙).yaml:26 1,000 (consistency.total)") == \
        "facts/2024/甲(乙).yaml:26 1,000 (consistency.total)"
    assert prose("上年(垃圾分类)50%,2025 年 55%;整改") == "上年（垃圾分类）50%，2025 年 55%；整改"
    once = prose("表中合计 213.05万元,各项目之和为 224.05万元;见(附表)")
    assert prose(once) == once == "表中合计 213.05万元，各项目之和为 224.05万元；见（附表）"


def test_prose_is_the_character_walk(result):
    """style.prose visits the brackets and punctuation only: the same text as the walk over every character
    (tests/prose_reference.py), on random mixes of what it looks at and on every finding's message."""
    import random

    from .prose_reference import prose as walked

    rng = random.Random(3)
    pieces = ["(", ")", ",", ":", ";", " ", "  ", "\t", "\n", "`", "/", "“", "”", "「", "」", "（", "，", "中", "文", "a",
              "Z", "1", "0", ".", "%", "—", "\u3000", "\xa0", "é", "_", "-"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    texts += [f.message for f in result.findings] + [f.title for f in result.findings]
    for text in texts:
        assert prose(text) == walked(text), text


def test_verbatim_policy_quotes_are_not_restyled(result):
    md = render("md", result)
    quotes = [line for line in md.splitlines() if line.startswith("    > ")]
    assert any("机制,对执行率低于70%" in line for line in quotes)
    html = render("html", result)
    assert "机制,对执行率低于70%" in html


def test_a_computed_rate_has_two_decimals_beside_the_printed_one(result):
    assert computed_rate(Decimal("0.5")) == "50.00%" and computed_rate(Decimal("0.656589374817")) == "65.66%"
    assert "| 垃圾分类 | 20.00 | 10.00 | 50.00% | 50.00% |" in render("md", result)
    html = render("html", result)
    assert '<td class="num">50.00%</td><td class="num">50.00%</td>' in html
    assert 'class="value below">50.00%</text>' in html and "预警线 70%</text>" in html  # the chart says the same


def test_a_ratio_parameter_shows_as_a_percentage(result):
    for fmt in ("md", "html"):
        doc = render(fmt, result)
        assert "预算执行率预警线取 70%，自 2024 年起" in doc
        assert "取 0.70" not in doc


def test_diff_rules_shows_a_ratio_parameter_as_a_percentage(runner, tmp_path):
    changed = tmp_path / "rules"
    changed.mkdir()
    for path in RULES.glob("*.yaml"):
        (changed / path.name).write_text(path.read_text("utf-8"), "utf-8")
    params = changed / "parameters.yaml"
    params.write_text(params.read_text("utf-8").replace("        value: 0.70", "        value: 0.80"), "utf-8")
    out = runner.invoke(cli, ["diff", "--rules", str(RULES), "--rules", str(changed), str(FACTS_2024)])
    assert out.exit_code == 0, out.output
    assert "预算执行率预警线(exec_warning_line): 2024 年起 70%  →  2024 年起 80%" in out.stdout


def test_captions_use_human_labels_not_internal_ids(result):
    for fmt in ("md", "html"):
        doc = render(fmt, result)
        assert "正文 c05" not in doc and "exec_warning_line" not in doc and "exec\\_warning\\_line" not in doc
        assert "正文“区城管局部门预算总额为282.1…”" in doc
    assert "预算执行率预警线 70%。" in render("html", result)


def test_text_summary_has_only_the_chinese_family_label(runner):
    out = run(runner)
    summary = out[out.index("\n汇总\n"):]
    assert "family" not in summary and "consistency" not in summary
    assert "数据一致性  12" in summary


def test_more_citations_point_to_v_which_shows_them(runner):
    out = run(runner)
    assert "--format json" not in out and "见 --verbose" not in out
    assert "（另有 2 条依据，见 -v）" in out
    verbose = run(runner, "-v")
    assert "另有" not in verbose and verbose.count("依据：") > out.count("依据：")


def test_severity_colour_only_on_request_of_a_terminal(result, runner, monkeypatch):
    coloured = render("text", result, RenderOptions(extra={"colour": True}))
    assert "\x1b[1;31m[错误]\x1b[0m" in coloured and "\x1b[33m[警告]\x1b[0m" in coloured
    assert "\x1b[" not in render("text", result)
    assert "\x1b[" not in run(runner)  # a pipe, not a terminal

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(Terminal()) and not wants_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "")
    assert not wants_colour(Terminal())


def test_no_colour_for_a_closed_stream(monkeypatch):
    """A closed stream's isatty raises ValueError; wants_colour said so as an internal error."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    closed = io.StringIO()
    closed.close()
    assert wants_colour(closed) is False and wants_colour(object()) is False


def test_filing_metadata_only_when_given(runner, tmp_path):
    given = ["--prepared-by", "张三", "--reviewed-by", "李四", "--report-date", "2025-03-31"]
    for fmt in ("text", "md", "html"):
        plain = run(runner, "--format", fmt)
        assert "编制人" not in plain and "复核人" not in plain
        filed = run(runner, "--format", fmt, *given)
        assert "编制人：张三" in filed and "复核人：李四" in filed and "日期：2025-03-31" in filed
    assert run(runner, "--format", "json", *given) == run(runner, "--format", "json")
    from openpyxl import load_workbook

    target = tmp_path / "台账.xlsx"
    run(runner, "--format", "xlsx", "-o", str(target), *given)
    info = {row[0]: row[1] for row in load_workbook(target)["核查信息"].iter_rows(values_only=True)}
    assert info["编制人"] == "张三" and info["复核人"] == "李四" and info["日期"] == "2025-03-31"


def test_a_report_date_that_is_not_a_date_is_a_usage_error(runner, tmp_path):
    target = tmp_path / "report.md"
    out = runner.invoke(cli, ["evaluate", str(FACTS_2024), "--rules", str(RULES), "--report-date", "2025-3-1",
                              "--format", "md", "-o", str(target)])
    assert out.exit_code == 2 and "YYYY-MM-DD" in out.output and not target.exists()


def test_an_earlier_ledger_with_half_width_text_keeps_what_departments_filled_in(result):
    from engine.render.csv_report import LEDGER_COLUMNS, ledger_rows
    from engine.render.ledger_update import update_ledger

    earlier = []
    for row, finding in zip(ledger_rows(result), result.findings):
        record = dict(zip(LEDGER_COLUMNS, row))
        record["问题"] = finding.message  # as ledgers were written before the reports restyled punctuation
        record["整改措施"] = "已整改"
        earlier.append(record)
    # a row this run no longer reports, at the same place: the problem text alone must pick the right row
    earlier.append({**earlier[0], "问题": "另一个本次不再报告的问题", "整改措施": "另一条"})
    update = update_ledger(result, earlier)
    assert update.kept == len(result.findings) and update.added == 0 and update.not_reported == 1

"""perfaudit claims review also confirms what a transcriber reads from a sentence: the claim's project, an
excerpt of the sentence as its text, the members it lists, and an amount or rate put --into a project's budget
(the report printed no table). Each is checked against what is printed: an excerpt must be the sentence's own
words, an amount goes only into an amount field in the file's unit (never converted), a rate only into 执行率."""
from __future__ import annotations

import yaml

from engine import load_facts
from engine.cli import cli

from . import test_claims_review

REPORT = ("<html><body><h1>某中学2022年度专项资金绩效自评价报告</h1><h2>一、资金情况</h2>"
          "<p>我校按生均1000元安排,共计239万元,其中上级资金179.25万元。</p>"
          "<h2>二、执行情况</h2><p>全年支出87.06万元,执行率36.43%。</p></body></html>")


def imported(runner, tmp_path):
    return test_claims_review.imported(runner, tmp_path, REPORT, "--department", "某中学")


def review(runner, facts, *options):
    out = facts.parent / "reviewed.yaml"
    return runner.invoke(cli, ["claims", "review", str(facts), *options, "-o", str(out)]), out


def test_the_report_reads_as_headings_and_candidates(runner, tmp_path):
    facts = imported(runner, tmp_path)
    data = yaml.safe_load(facts.read_text(encoding="utf-8"))
    assert [(n["section"], n["heading"]) for n in data["narrative"]] == [("一、 第2段", "资金情况"),
                                                                          ("二、 第4段", "执行情况")]
    listed = runner.invoke(cli, ["claims", "review", str(facts)]).output
    assert "1. [一、 第3段] 预算总额 1000元" in listed and "4. [二、 第5段] 总体执行率 36.43%" in listed


def test_amounts_and_a_rate_go_into_a_new_project_with_the_claim_beside_them(runner, tmp_path):
    facts = imported(runner, tmp_path)
    result, out = review(runner, facts, "--accept", "2", "--measure", "2=项目预算", "--project", "2=生均公用经费",
                         "--text", "2=共计239万元", "--into", "2=全年预算数", "--into", "3=全年预算数",
                         "--project", "3=生均公用经费", "--source", "3=上级资金", "--into", "5=全年执行数",
                         "--project", "5=生均公用经费", "--into", "4=执行率", "--project", "4=生均公用经费",
                         "--discard", "1")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["claims"] == [{"id": "c1", "section": "一、 第3段", "text": "共计239万元", "measure": "项目预算",
                               "project": "生均公用经费", "value": 239, "unit": "万元"}]
    [project] = data["projects"]
    assert project["budget"]["full_year"] == 239 and project["budget"]["executed"] == 87.06
    assert project["budget"]["rate"] == "36.43%"
    assert project["budget"]["funding"] == [{"source": "上级资金", "section": "一、 第3段", "full_year": 179.25}]
    assert "full_year: 239  # 待确认的第 2 条,印为 “239万元”" in text and "待确认的陈述" not in text
    [report] = load_facts([out])
    assert report.projects[0].name == "生均公用经费"


def test_what_is_not_printed_so_is_refused(runner, tmp_path):
    facts = imported(runner, tmp_path)
    cases = [(["--into", "1=全年预算数", "--project", "1=甲"], "第 1 条的金额单位是元,事实文件的金额单位是万元"),
             (["--into", "4=全年预算数", "--project", "4=甲"], "第 4 条是百分数,不能作为全年预算数"),
             (["--into", "2=执行率", "--project", "2=甲"], "第 2 条是金额,不能作为执行率"),
             (["--into", "2=全年预算数"], "--into 2 没有给出项目"),
             (["--into", "2=预算", "--project", "2=甲"], "--into 2=“预算” 不是可填入的栏目"),
             (["--into", "2=全年预算数", "--into", "3=全年预算数", "--project", "2=甲", "--project", "3=甲"],
              "第 3 条与第 2 条都填入“甲”的全年预算数"),
             (["--accept", "2", "--measure", "2=项目预算", "--text", "2=共计240万元"], "不是原句"),
             (["--accept", "2", "--measure", "2=项目预算", "--project", "9=甲"], "不在 1 至 5 之间")]
    for options, message in cases:
        result, out = review(runner, facts, *options)
        assert result.exit_code == 2 and message in result.output, (options, result.output)
        assert not out.exists() and "Traceback" not in result.output

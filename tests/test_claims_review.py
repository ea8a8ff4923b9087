"""perfaudit claims review: the candidate claims perfaudit import left as comments are listed by number; the
confirmed ones move into `claims:` with their place and printed words, the discarded ones go, the others stay;
the file read is never overwritten, an existing output only with --force, and the result loads."""
from __future__ import annotations

import yaml

from engine import load_facts
from engine.cli import cli

REPORT = ("<html><body><h1>耒阳市第四中学2022年度专项资金绩效自评价报告</h1><p>单位:万元</p>"
          "<p>我校2022年度共收到生均公用经费239万元,支出87.06万元。</p>"
          "<p>全年共实施七个项目,满意度达到百分之九十。</p><p>另有资金三十二点四万元。</p></body></html>")


def imported(runner, tmp_path, report: str = REPORT, *options):
    (tmp_path / "report.html").write_text(report, encoding="utf-8")
    target = tmp_path / "2022" / "report.yaml"
    result = runner.invoke(cli, ["import", str(tmp_path / "report.html"), "-o", str(target), *options])
    assert result.exit_code == 0, result.output
    return target


def test_candidates_are_listed_by_number(runner, tmp_path):
    facts = imported(runner, tmp_path)
    result = runner.invoke(cli, ["claims", "review", str(facts)])
    assert result.exit_code == 0, result.output
    assert "1. [第3段] 执行总额 239万元(印为“239万元”)" in result.output
    assert "4. [第4段] 项目个数 7个(印为“七个项目”)" in result.output and "共 5 条" in result.output
    assert "5. [第5段] 口径待定 32.4万元(印为“三十二点四万元”)" in result.output


def test_accepted_candidates_become_claims_and_the_rest_stay(runner, tmp_path):
    facts = imported(runner, tmp_path)
    before = facts.read_bytes()
    out = tmp_path / "2022" / "reviewed.yaml"
    result = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "1,4", "--measure", "1=预算总额",
                                 "--discard", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert facts.read_bytes() == before
    text = out.read_text(encoding="utf-8")
    claims = yaml.safe_load(text)["claims"]
    assert [(c["id"], c["section"], c["measure"], c["value"], c.get("unit")) for c in claims] == [
        ("c1", "第3段", "预算总额", 239, "万元"), ("c2", "第4段", "项目个数", 7, "个")]
    assert "value: 7  # 印为 “七个项目”" in text and "87.06万元”" not in text.split("# ----")[1]
    [report] = load_facts([out])
    assert [c.measure for c in report.claims] == ["预算总额", "项目个数"]
    again = runner.invoke(cli, ["claims", "review", str(out)])
    assert "1. [第4段] 满意度 90%" in again.output and "共 2 条" in again.output
    last = tmp_path / "2022" / "last.yaml"
    assert runner.invoke(cli, ["claims", "review", str(out), "--accept", "1", "--discard", "2", "-o", str(last)]).exit_code == 0
    final = yaml.safe_load(last.read_text(encoding="utf-8"))
    assert [c["id"] for c in final["claims"]] == ["c1", "c2", "c3"] and final["claims"][2]["value"] == "90%"
    assert "待确认的陈述" not in last.read_text(encoding="utf-8")


def test_refusals_write_nothing(runner, tmp_path):
    facts = imported(runner, tmp_path)
    before = facts.read_bytes()
    same = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "4", "-o", str(facts), "--force"])
    assert same.exit_code == 2 and "拒绝覆盖" in same.output and facts.read_bytes() == before
    undecided = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "5", "-o", str(tmp_path / "a.yaml")])
    assert undecided.exit_code == 2 and "第 5 条(“另有资金三十二点四万元。”)的口径待定" in undecided.output
    measure = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "4,5", "--measure", "5=胡说",
                                  "-o", str(tmp_path / "a.yaml")])
    assert measure.exit_code == 2 and "report.yaml 待确认的第 5 条: 取值 \"胡说\" 不在允许范围内" in measure.output
    wrong = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "9", "-o", str(tmp_path / "a.yaml")])
    assert wrong.exit_code == 2 and "不在 1 至 5 之间" in wrong.output
    (tmp_path / "exists.yaml").write_text("mine\n", encoding="utf-8")
    kept = runner.invoke(cli, ["claims", "review", str(facts), "--accept", "4", "-o", str(tmp_path / "exists.yaml")])
    assert kept.exit_code == 2 and (tmp_path / "exists.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "a.yaml").exists() and "Traceback" not in kept.output + wrong.output + same.output


def test_unreadable_and_hand_broken_files_are_input_errors(runner, tmp_path):
    # these ended in "perfaudit 内部错误" (exit 70): UnicodeDecodeError, PyYAML's ParserError / ScannerError, and
    # AttributeError on a file whose top level is a list; a FIFO was called "文件不存在"
    import os
    block = "# ---- 待确认的陈述\n#  - section: 第3段\n#    text: 共计239万元\n#    measure: 执行总额\n#    value: \"239\"\n"
    cases = {
        "gbk.yaml": ("部门: 测试\n".encode("gbk"), [], "GBK"),
        "body.yaml": (f"department: x\nyear: [\n{block}".encode(), ["--accept", "1"],
                      "body.yaml:3:1: 事实部分不是有效的 YAML"),
        "list.yaml": (f"- a\n- b\n{block}".encode(), ["--accept", "1"], "list.yaml:1:1: 文件不是事实文件"),
        "item.yaml": ("department: x\n# ---- 待确认的陈述\n#  - section: 第3段: [\n#  - just text\n".encode(), [],
                      "item.yaml:3:1: 第 1 条待确认的陈述无法读取"),
        "text.yaml": ("department: x\n# ---- 待确认的陈述\n#  - section: 第3段\n#  - just text\n".encode(), [],
                      "text.yaml:4:1: 第 2 条待确认的陈述无法读取"),
    }
    for name, (content, options, words) in cases.items():
        (tmp_path / name).write_bytes(content)
        result = runner.invoke(cli, ["claims", "review", str(tmp_path / name), *options, "-o", str(tmp_path / "o.yaml")])
        assert result.exit_code == 2 and words in result.output, (name, result.output)
        assert not (tmp_path / "o.yaml").exists()
    os.mkfifo(tmp_path / "fifo.yaml")
    result = runner.invoke(cli, ["claims", "review", str(tmp_path / "fifo.yaml")])
    assert result.exit_code == 2 and "不是普通文件" in result.output, result.output

"""Facts from spreadsheets (issue 4, section 3): template, import with provenance, how people type, refusals,
and the round trip seed facts -> workbook -> import -> same findings."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from engine import evaluate, load_facts
from engine.cli import cli

from .conftest import FACTS_2024

PROJECT_HEAD = ["序号", "项目名称", "年初预算数", "全年预算数", "全年执行数", "执行率", "总分", "等级"]
INDICATOR_HEAD = ["项目", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因"]
DEPARTMENT = [("部门", "测试局"), ("年度", 2024), ("报告标题", "测试局2024年度部门绩效自评报告"), ("金额单位", "万元")]


def put(sheet, row: int, values) -> None:
    """Write a row; a value given as (value, number_format) gets that format."""
    for col, value in enumerate(values, start=1):
        if value is None:
            continue
        if isinstance(value, tuple):
            value, fmt = value
            sheet.cell(row=row, column=col, value=value).number_format = fmt
        else:
            sheet.cell(row=row, column=col, value=value)


def make_xlsx(path: Path, projects, indicators=(), department=DEPARTMENT, merges=(), project_head=PROJECT_HEAD) -> Path:
    book = Workbook()
    dept = book.active
    dept.title = "部门表"
    for r, (label, value) in enumerate(department, start=1):
        put(dept, r, [label, value])
    sheet = book.create_sheet("项目表")
    put(sheet, 1, ["项目支出绩效自评表"])  # a title row above the header, as real forms have
    put(sheet, 2, project_head)
    for r, row in enumerate(projects, start=3):
        put(sheet, r, row)
    if indicators:
        ind = book.create_sheet("指标表")
        put(ind, 1, INDICATOR_HEAD)
        for r, row in enumerate(indicators, start=2):
            put(ind, r, row)
        for cells in merges:
            ind.merge_cells(cells)
    book.save(path)
    return path


def run_import(runner, source: Path, out: Path, *extra):
    return runner.invoke(cli, ["import", str(source), "--year", "2024", "-o", str(out), *extra])


def keyed(result):
    return [(f.rule, f.project, f.subject, f.message) for f in result.findings]


# ---- template ------------------------------------------------------------------------------


def test_template_has_the_standard_layout_and_is_deterministic(runner, tmp_path):
    target = tmp_path / "自评表模板.xlsx"
    out = runner.invoke(cli, ["template", "xlsx", "-o", str(target)])
    assert out.exit_code == 0, out.output
    first = target.read_bytes()
    book = load_workbook(target)
    assert book.sheetnames[:3] == ["部门表", "项目表", "指标表"]
    assert [book["部门表"].cell(row=r, column=1).value for r in range(2, 6)] == ["部门", "年度", "报告标题", "金额单位"]
    projects = book["项目表"]
    header = [c.value for c in projects[3]]
    start = header.index("年初预算数")
    assert header[start:start + 6] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert {"项目名称", "总分", "等级", "协同部门"} <= set(filter(None, header + [c.value for c in projects[2]]))
    assert any(str(r) == "C2:H2" for r in projects.merged_cells.ranges)  # 项目资金 over the six money columns
    assert projects["C2"].value == "项目资金"
    assert [c.value for c in book["指标表"][2]][:9] == ["项目", "一级指标", "二级指标", "三级指标", "年度指标值",
                                                      "实际完成值", "分值", "得分", "偏差原因"]
    refused = runner.invoke(cli, ["template", "xlsx", "-o", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    again = runner.invoke(cli, ["template", "xlsx", "-o", str(target), "--force"])
    assert again.exit_code == 0 and target.read_bytes() == first


def test_blank_template_import_asks_for_department_and_unit(runner, tmp_path):
    template = tmp_path / "t.xlsx"
    assert runner.invoke(cli, ["template", "xlsx", "-o", str(template)]).exit_code == 0
    out = run_import(runner, template, tmp_path / "out.yaml")
    assert out.exit_code == 2
    assert "没有填写部门名称" in out.output and "没有声明金额单位" in out.output
    assert not (tmp_path / "out.yaml").exists()


# ---- round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_seed_round_trip_gives_the_same_findings(runner, tmp_path, ruleset, seed_reports, kind):
    seed_file = next(FACTS_2024.glob("*.yaml"))
    sheet = tmp_path / f"seed.{kind}"
    out = runner.invoke(cli, ["template", kind, "--from", str(seed_file), "-o", str(sheet)])
    assert out.exit_code == 0, out.output
    imported = tmp_path / "facts" / "2024" / "imported.yaml"
    out = run_import(runner, sheet, imported)
    assert out.exit_code == 0, out.output
    original = evaluate(ruleset, seed_reports, backend="python")
    again = evaluate(ruleset, load_facts([imported.parent]), backend="python")
    assert len(original.findings) >= 20
    assert keyed(again) == keyed(original)


def test_imported_values_cite_their_cells(runner, tmp_path):
    seed_file = next(FACTS_2024.glob("*.yaml"))
    sheet = tmp_path / "seed.xlsx"
    assert runner.invoke(cli, ["template", "xlsx", "--from", str(seed_file), "-o", str(sheet)]).exit_code == 0
    imported = tmp_path / "2024" / "x.yaml"
    assert run_import(runner, sheet, imported).exit_code == 0
    text = imported.read_text("utf-8")
    assert run_import(runner, sheet, tmp_path / "2024" / "y.yaml").exit_code == 0
    assert (tmp_path / "2024" / "y.yaml").read_text("utf-8") == text  # same workbook, same facts file
    lines = text.splitlines()
    report = load_facts([imported])[0]
    smart = report.projects[0]
    source = smart.budget.sources["executed"]
    assert source.section == "项目表!C4:G4"
    assert lines[source.line - 1].strip() == "executed: 111.85  # 项目表!E4"
    assert smart.budget.rate == Decimal("0.6566") and 'rate: "65.66%"  # 项目表!G4' in text
    assert smart.indicators[0].sources["target"].section.startswith("指标表!")
    assert report.projects[1].budget.full_year == Decimal("20.00")  # printed precision kept
    assert report.claims[0].sources["text"].section.startswith("一(一) 正文(正文数据!")


# ---- how people type ------------------------------------------------------------------------


def test_people_typing_is_understood(runner, tmp_path):
    source = make_xlsx(tmp_path / "in.xlsx", department=DEPARTMENT[:3] + [("金额单位", "元")], projects=[
        [1, "甲项目", (1703500, "0"), "１，７０３，５００", "1,118,500元", "６５．６６％", "93.14分", "良好"],
        [],  # blank rows between projects
        [2, "乙项目", (200000, "0.00"), (200000, "0.00"), (124100, "0"), (0.6205, "0.00%"), (100, "0"), "优秀"],
        [None, "合计", (1903500, "0"), (1903500, "0"), (1242600, "0"), "65.28%"],
    ], indicators=[
        ["甲项目", "产出指标", "数量指标", "投入金额", "≦２００万元", "111.85万元", "招标延迟"],
        [None, None, "质量指标", "验收合格率", "≧95％", (0.98, "0%")],
        ["乙项目", "满意度指标", "服务对象满意度指标", "公众满意度", "＝100%", "按时完成"],
    ], merges=["A2:A3", "B2:B3"])
    out_file = tmp_path / "2024" / "out.yaml"
    out = run_import(runner, source, out_file)
    assert out.exit_code == 0, out.output
    assert "“按时完成” 是文字型指标值" in out.output  # kept as text (facts format v2), and said so
    report = load_facts([out_file])[0]
    a, b = report.projects
    assert (a.budget.initial, a.budget.full_year) == (Decimal("170.3500"),) * 2
    assert a.budget.executed == Decimal("111.8500")
    assert str(a.budget.initial) == "170.3500"  # exact: 元 -> 万元 keeps every digit
    assert a.budget.rate == Decimal("0.6566") and b.budget.rate == Decimal("0.6205")
    assert b.budget.full_year == Decimal("20.0000") and a.score.total == Decimal("93.14")
    assert report.totals.executed == Decimal("124.2600") and report.totals.rate == Decimal("0.6528")
    assert [(i.name, i.kind, i.target.op, i.target.value, i.target.unit) for i in a.indicators] == [
        ("投入金额", "产出-数量", "≤", Decimal("200"), "万元"), ("验收合格率", "产出-质量", "≥", Decimal("95"), "%")]
    assert a.indicators[1].actual.text == "98%"
    assert [(i.kind, i.target.op, i.actual.text, i.actual.value) for i in b.indicators] == [
        ("满意度-服务对象满意度", "=", "按时完成", None)]
    text = out_file.read_text("utf-8")
    assert "# 项目表!C3 原表 1703500 元" in text and "kind: 产出-质量  # 指标表!C3" in text


def test_digits_split_by_a_space_are_not_joined(runner, tmp_path):
    # "12 34" was imported as 1234; spaces beside a number are still read
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", " 10 ", "10 万元", "12 34", "5 0%", 95, "优"]])
    out = run_import(runner, source, tmp_path / "out.yaml")
    assert out.exit_code == 2 and not (tmp_path / "out.yaml").exists()
    assert "项目表!E3: 全年执行数 “12 34” 不是数字" in out.output and "项目表!F3: 执行率 “5 0%” 不是百分数" in out.output
    assert "C3" not in out.output and "D3" not in out.output


def test_unit_is_declared_never_guessed(runner, tmp_path):
    rows = [[1, "甲", 10, 10, 5, "50%", 95, "优"]]
    undeclared = make_xlsx(tmp_path / "a.xlsx", rows, department=DEPARTMENT[:3])
    out = run_import(runner, undeclared, tmp_path / "a.yaml")
    assert out.exit_code == 2 and "没有声明金额单位" in out.output and "--unit" in out.output
    assert not (tmp_path / "a.yaml").exists()
    ok = run_import(runner, undeclared, tmp_path / "2024" / "a.yaml", "--unit", "元")
    assert ok.exit_code == 0, ok.output
    assert load_facts([tmp_path / "2024" / "a.yaml"])[0].projects[0].budget.full_year == Decimal("0.0010")
    declared = make_xlsx(tmp_path / "b.xlsx", rows)  # 万元 on the sheet
    clash = run_import(runner, declared, tmp_path / "b.yaml", "--unit", "元")
    assert clash.exit_code == 2 and "金额单位声明不一致" in clash.output
    in_header = make_xlsx(tmp_path / "c.xlsx", rows, project_head=PROJECT_HEAD[:2] + ["年初预算数(元)"] + PROJECT_HEAD[3:])
    clash = run_import(runner, in_header, tmp_path / "c.yaml")
    assert clash.exit_code == 2 and "项目表!C2(表头) 为“元”" in clash.output


def test_bad_cells_are_refused_with_sheet_cell_and_reason(runner, tmp_path):
    source = make_xlsx(tmp_path / "bad.xlsx", [
        [1, "甲", 10, 10, "十万", "65.66", 95, "优"],
        [2, "乙", 10, 10, -1, "10%", 95, "优"],
        [3, None, 10, 10, 5],
    ], indicators=[
        ["甲", "产出指标", "数目指标", "投入金额", "≤20万元", "5万元"],
        ["丙", "产出指标", "数量指标", "投入金额", "≤20万元", "5万元"],
    ])
    out_file = tmp_path / "out.yaml"
    out = run_import(runner, source, out_file)
    assert out.exit_code == 2
    expected = ["bad.xlsx 项目表!E3: 全年执行数 “十万” 不是数字",
                "bad.xlsx 项目表!F3: 执行率 “65.66” 不是百分数",
                "bad.xlsx 项目表!E4: 全年执行数 为负数(-1)",
                "bad.xlsx 项目表!C5: 第 5 行有数据但“项目名称”为空",
                "bad.xlsx 指标表!C2: 指标类别“产出指标 / 数目指标”无法识别",
                "bad.xlsx 指标表!A3: 项目“丙”不在项目表中"]
    for line in expected:
        assert line in out.output
    assert "如果是百分数,请加上 %" in out.output and "未产生任何输出" in out.output
    assert "产出指标下的二级指标为: 数量、质量、时效、成本" in out.output
    assert not out_file.exists()


def test_formula_without_saved_result_is_refused(runner, tmp_path):
    source = make_xlsx(tmp_path / "f.xlsx", [[1, "甲", 10, 10, "=D3*0.5", "50%", 95, "优"]])
    out = run_import(runner, source, tmp_path / "f.yaml")
    assert out.exit_code == 2 and "f.xlsx 项目表!E3: 公式单元格没有保存计算结果" in out.output


def test_year_must_match(runner, tmp_path):
    source = make_xlsx(tmp_path / "y.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]],
                       department=[("部门", "测试局"), ("年度", "２０２３年"), ("金额单位", "万元")])
    out = run_import(runner, source, tmp_path / "y.yaml")
    assert out.exit_code == 2 and "表中年度为 2023,与 --year 2024 不一致" in out.output


def test_existing_output_is_never_overwritten_without_force(runner, tmp_path):
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    target = tmp_path / "2024" / "测试局.yaml"
    target.parent.mkdir()
    target.write_text("# 审计人员手工修改过的文件\n", "utf-8")
    out = run_import(runner, source, target)
    assert out.exit_code == 2 and "--force" in out.output
    assert target.read_text("utf-8") == "# 审计人员手工修改过的文件\n"
    forced = run_import(runner, source, target, "--force")
    assert forced.exit_code == 0, forced.output
    assert load_facts([target])[0].projects[0].name == "甲"
    before = source.read_bytes()
    onto_input = run_import(runner, source, source, "--force")  # never the user's own workbook
    assert onto_input.exit_code == 2 and source.read_bytes() == before


def test_default_output_is_facts_year_department(runner, tmp_path, monkeypatch):
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]])
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(cli, ["import", str(source), "--year", "2024"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "facts" / "2024" / "测试局.yaml").is_file()


def test_csv_saved_by_chinese_excel_in_gbk(runner, tmp_path):
    text = ("部门,测试局\r\n金额单位:万元\r\n\r\n" + ",".join(PROJECT_HEAD) + "\r\n1,甲项目,10.00,10.00,6.5,65%,95,优\r\n")
    source = tmp_path / "表.csv"
    source.write_bytes(text.encode("gb18030"))
    out_file = tmp_path / "2024" / "表.yaml"
    out = run_import(runner, source, out_file)
    assert out.exit_code == 0, out.output
    assert "GB18030" in out.output
    project = load_facts([out_file])[0].projects[0]
    assert project.budget.full_year == Decimal("10.00") and project.budget.rate == Decimal("0.65")
    assert project.budget.sources["executed"].section == "表!C5:F5"


def test_csv_in_utf16_is_read_and_undecodable_bytes_are_refused(runner, tmp_path):
    """Excel's “Unicode 文本” is UTF-16 with a BOM: it was an internal error (exit 70, UnicodeDecodeError from
    the GB18030 fallback), as were bytes that are no text at all; now UTF-16 is read (with a note) and other
    bytes are refused, exit 2, naming the file."""
    text = "部门,测试局\r\n金额单位:万元\r\n\r\n" + ",".join(PROJECT_HEAD) + "\r\n1,甲项目,10.00,10.00,6.5,65%,95,优\r\n"
    for encoding in ("utf-16", "utf-16-be"):
        source = tmp_path / "表.csv"
        source.write_bytes(("\ufeff" if encoding == "utf-16-be" else "").encode(encoding) + text.encode(encoding))
        out_file = tmp_path / "2024" / f"{encoding}.yaml"
        out = run_import(runner, source, out_file)
        assert out.exit_code == 0, out.output
        assert "UTF-16" in out.output
        assert load_facts([out_file])[0].projects[0].budget.full_year == Decimal("10.00")
    binary = tmp_path / "乱码.csv"
    binary.write_bytes(b"\xef\xbb\xbf\xff\xfe\x00\x81")
    out = run_import(runner, binary, tmp_path / "x.yaml")
    assert out.exit_code == 2 and "内部错误" not in out.output, out.output
    assert f"{binary}: CSV 文件的编码无法识别" in out.output
    assert not (tmp_path / "x.yaml").exists()


def test_a_total_row_spaced_out_is_still_the_total(runner, tmp_path):
    """“合  计” (spaced to the column's width, as forms print it) was imported as a project named “合 计”
    carrying the totals; now it is the 合计 row."""
    for label in ("合  计", "合\u3000计", "总 计"):
        source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"],
                                                  [None, label, 10, 10, 5, "50%"]])
        out = tmp_path / "2024" / "x.yaml"
        result = run_import(runner, source, out, "--force")
        assert result.exit_code == 0, result.output
        facts = load_facts([out])[0]
        assert [p.name for p in facts.projects] == ["甲"], label
        assert facts.totals is not None and facts.totals.executed == Decimal("5"), label


def test_values_under_a_blank_header_are_named_not_dropped_silently(runner, tmp_path):
    """The 全年执行数 header cell deleted: its values were left out with no word; now a notice names the column
    and how many values were not read."""
    head = [h if h != "全年执行数" else None for h in PROJECT_HEAD]
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"], [2, "乙", 8, 8, 4, "50%", 90, "优"]],
                       project_head=head)
    out = run_import(runner, source, tmp_path / "2024" / "x.yaml")
    assert out.exit_code == 0, out.output
    assert "项目表!E3 所在的列没有表头,这一列的 2 个值未导入" in out.output


def test_a_column_named_twice_in_the_header_is_refused(runner, tmp_path):
    """A second 全年预算数 where 全年执行数 was: the first was read, the second ignored with a notice (“不在模板中”),
    and every 全年执行数 silently left out; now a problem at the repeated header cell, exit 2."""
    head = [h if h != "全年执行数" else "全年预算数" for h in PROJECT_HEAD]
    source = make_xlsx(tmp_path / "in.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"]], project_head=head)
    out = run_import(runner, source, tmp_path / "x.yaml")
    assert out.exit_code == 2, out.output
    assert "项目表!E2: 表头“全年预算数”与 D2 的“全年预算数”是同一栏" in out.output
    assert not (tmp_path / "x.yaml").exists()


def test_a_file_without_a_project_table_is_named_once(runner, tmp_path):
    """The refusal named the file twice (“表.csv 表.csv: 没有找到项目表”)."""
    source = tmp_path / "表.csv"
    source.write_text("部门,测试局\n金额单位,万元\n", encoding="utf-8")
    out = run_import(runner, source, tmp_path / "x.yaml")
    assert out.exit_code == 2
    assert f"{source}: 没有找到项目表" in out.output and f"{source} {source}" not in out.output


def test_other_file_types_are_refused_with_a_hint(runner, tmp_path):
    source = tmp_path / "old.xls"
    source.write_bytes(b"\xd0\xcf\x11\xe0")
    out = run_import(runner, source, tmp_path / "x.yaml")
    assert out.exit_code == 2 and "另存为" in out.output and ".xlsx" in out.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    out = run_import(runner, broken, tmp_path / "x.yaml")
    assert out.exit_code == 2 and "无法读取 xlsx 文件" in out.output and "Traceback" not in out.output


def test_loader_problems_are_reported_at_the_cell(runner, tmp_path):
    # duplicate project names pass the importer and are caught by the normal facts loader
    source = make_xlsx(tmp_path / "dup.xlsx", [[1, "甲", 10, 10, 5, "50%", 95, "优"], [2, "甲", 1, 1, 1, "100%"]])
    out = run_import(runner, source, tmp_path / "dup.yaml")
    assert out.exit_code == 2
    assert re.search(r"dup\.xlsx 项目表!B4: 项目名称 “甲” 与第 1 个项目重复", out.output), out.output


def test_template_refuses_a_file_name_of_the_other_kind(runner, tmp_path):
    """`template xlsx -o t.csv` wrote a workbook (zip bytes) named .csv, which import then reads as a csv;
    now refused, exit 2, nothing written."""
    for kind, name in (("xlsx", "t.csv"), ("csv", "t.xlsx"), ("csv", "t.XLS")):
        out = runner.invoke(cli, ["template", kind, "-o", str(tmp_path / name)])
        assert out.exit_code == 2 and f"文件扩展名是 {Path(name).suffix.lower()},生成的却是 {kind}" in out.output
        assert not (tmp_path / name).exists()
    assert runner.invoke(cli, ["template", "csv", "-o", str(tmp_path / "t.CSV")]).exit_code == 0


def test_a_number_merged_across_projects_or_columns_is_refused_at_the_covered_cell(runner, tmp_path):
    """年初预算数 C3 merged over C3:D4: its 10 was read as 甲's 全年预算数 and as 乙's 年初预算数 and 全年预算数
    (each project's amounts copied from one cell); now each covered position is a problem naming the merge."""
    rows = [[1, "甲", 10, None, 5, "50%", 95, "优"], [2, "乙", None, None, 4, "40%", 90, "优"]]
    source = make_xlsx(tmp_path / "in.xlsx", rows)
    book = load_workbook(source)
    book["项目表"].merge_cells("C3:D4")
    book.save(source)
    out = run_import(runner, source, tmp_path / "x.yaml")
    assert out.exit_code == 2, out.output
    for covered in ("D3", "C4", "D4"):
        assert f"项目表!{covered}: " in out.output and "与 C3 合并,无法确定这一格的值" in out.output
    assert "项目表!C3: " not in out.output
    assert not (tmp_path / "x.yaml").exists()


def test_template_format_follows_the_output_name_when_not_given(runner, tmp_path, monkeypatch):
    csv_target, xlsx_target = tmp_path / "表.csv", tmp_path / "表.xlsx"
    assert runner.invoke(cli, ["template", "-o", str(csv_target)]).exit_code == 0
    assert csv_target.read_bytes() == runner.invoke(cli, ["template", "csv", "-o", "-"]).stdout_bytes
    assert runner.invoke(cli, ["template", "-o", str(xlsx_target)]).exit_code == 0
    assert load_workbook(xlsx_target).sheetnames[:3] == ["部门表", "项目表", "指标表"]
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["template"]).exit_code == 0
    assert (tmp_path / "自评表模板.xlsx").read_bytes()[:2] == b"PK"

"""`perfaudit claims review`: the candidate claims perfaudit import left as comments in a facts file, listed
by number; the confirmed ones moved into `claims:` (written to -o, never over the file read)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
import yaml

from ..core.errors import Diagnostic
from .common import check_output, input_errors, input_problem, write_output
from .zh import PerfauditGroup


@click.group("claims", cls=PerfauditGroup)
def claims():
    """正文数量陈述(claims)的辅助命令。"""


def _numbers(text: str | None, option: str, count: int, file: str) -> set:
    if not text:
        return set()
    parts = [p for p in re.split(r"[,，、\s]+", text.strip()) if p]
    wrong = [p for p in parts if not p.isdigit() or not 1 <= int(p) <= count]
    if wrong:
        raise input_problem([Diagnostic(file, 0, 0, "", f"{option} 中的编号 {'、'.join(wrong)} 不在 1 至 {count} 之间",
                                        suggestion="先不加选项运行一次,看列出的编号")])
    return {int(p) for p in parts}


def _assigned(given: tuple, option: str, example: str, file: str) -> dict:
    """--option 编号=值, given several times -> {number: value}."""
    out = {}
    for item in given:
        number, _, value = item.partition("=")
        if not number.strip().isdigit() or not value.strip():
            raise input_problem([Diagnostic(file, 0, 0, "", f"{option} “{item}” 应写成 编号=值",
                                            suggestion=f"如 {option} {example}")])
        out[int(number)] = value.strip()
    return out


@claims.command("review", short_help="列出 perfaudit import 从文字中抽出、尚未确认的数量陈述,逐条确认、删去或填入项目")
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False))
@click.option("--accept", multiple=True, metavar="编号", help="确认的编号(如 1,3):移入 claims:;可多次给出")
@click.option("--discard", multiple=True, metavar="编号", help="删去的编号(如 2,4):不是数量陈述,或与核查无关;可多次给出")
@click.option("--measure", multiple=True, metavar="编号=口径", help="编号=口径,给口径待定的陈述定口径(如 3=预算总额),可多次给出")
@click.option("--project", multiple=True, metavar="编号=项目", help="编号=项目名称:陈述说的是这个项目(写入 claim 的 project,或 --into 的项目)")
@click.option("--text", "excerpt", multiple=True, metavar="编号=节选", help="编号=节选:claim 的 text 只取原句中说这个数的部分(可用“……”表示省略)")
@click.option("--members", multiple=True, metavar="编号=项目", help="编号=甲、乙:正文列举的项目名称(写入 claim 的 members)")
@click.option("--into", multiple=True, metavar="编号=栏目",
              help="编号=栏目:把这个数作为项目的 年初预算数/全年预算数/全年执行数/执行率(须同时给出 --project;"
                   "不加 --accept 时只作为金额,不作为 claim)")
@click.option("--source", multiple=True, metavar="编号=来源", help="编号=资金来源:--into 的数是这一资金来源行的(如 2=上级资金)")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="写入的事实文件(默认标准输出);不会写回正在读取的文件")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖")
def review(file, accept, discard, measure, project, excerpt, members, into, source, output, force):
    """列出 perfaudit import 从文字中抽出、尚未确认的数量陈述;
    用 --accept / --discard 确认或删去,用 --into 把报告正文所说的金额填入项目,结果写到 -o 给出的文件。"""
    from ..io.documents.review import INTO, UNDECIDED, Decision, PendingProblem, excerpt_of, listing, reviewed, split
    from ..io.spreadsheet.importer import check_generated
    from ..load.yamlsrc import read_text

    path = Path(file)
    if not path.is_file():
        message = "不是普通文件" if path.exists() else "文件不存在"
        raise input_problem([Diagnostic(file, 0, 0, "", message, suggestion="给出 perfaudit import 写出的事实文件")])
    text, problems = read_text(path, file)
    if problems:
        raise input_problem(problems)
    try:
        body, pending = split(text)
    except PendingProblem as exc:
        raise input_problem([Diagnostic(file, exc.line, 1, "", str(exc),
                                        expected="perfaudit import 写出的注释行:“#  - section: …”,其后“#    text: …”"
                                                 "“#    measure: …”“#    value: …”,每行一个值",
                                        suggestion="改回 perfaudit import 写出的样子,或重新导入")]) from None
    if not accept and not discard and not into:
        if not pending:
            click.echo(f"{file} 中没有待确认的数量陈述。", err=True)
            return
        write_output(listing(pending), None)
        click.echo(f"共 {len(pending)} 条。确认: perfaudit claims review {file} --accept 编号 -o 新文件"
                   "(口径待定的加 --measure 编号=口径);删去: --discard 编号;"
                   "金额填入项目: --into 编号=全年预算数 --project 编号=项目名称", err=True)
        return
    if not pending:
        raise input_problem([Diagnostic(file, 0, 0, "", "文件中没有待确认的数量陈述",
                                        suggestion="待确认的陈述由 perfaudit import 写在事实文件末尾的注释中")])
    accepted = _numbers(",".join(accept), "--accept", len(pending), file)
    discarded = _numbers(",".join(discard), "--discard", len(pending), file)
    measures = _assigned(measure, "--measure", "3=预算总额", file)
    projects = _assigned(project, "--project", "3=生均公用经费项目", file)
    excerpts = _assigned(excerpt, "--text", "3=共计239万元", file)
    listed = _assigned(members, "--members", "3=甲项目、乙项目", file)
    fields = _assigned(into, "--into", "3=全年预算数", file)
    sources = _assigned(source, "--source", "3=上级资金", file)
    given = {**measures, **projects, **excerpts, **listed, **fields, **sources}
    _numbers(",".join(map(str, given)), "编号=值 的选项", len(pending), file)
    problems = [Diagnostic(file, 0, 0, "", f"第 {n} 条既在 --accept 中又在 --discard 中") for n in sorted(accepted & discarded)]
    problems += [Diagnostic(file, 0, 0, "", f"第 {n} 条既在 --into 中又在 --discard 中") for n in sorted(set(fields) & discarded)]
    try:
        facts = yaml.safe_load(body) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise input_problem([Diagnostic(file, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, "",
                                        "事实部分不是有效的 YAML",
                                        suggestion="先用 perfaudit check 本文件 找出并改正错误")]) from None
    if not isinstance(facts, dict):
        raise input_problem([Diagnostic(file, 1, 1, "", "文件不是事实文件:顶层应为“键: 值”",
                                        suggestion="给出 perfaudit import 写出的事实文件")])
    unit = facts.get("unit", "万元")
    named = {str(p.get("name")) for p in facts.get("projects") or [] if isinstance(p, dict)}
    decisions, taken = {}, {}
    for p in pending:
        if p.number not in accepted and p.number not in fields:
            continue
        where = (file, p.lines[0] + 1, 0, "")
        claim = None
        if p.number in accepted:
            claim = measures.get(p.number) or (p.measure if p.measure != UNDECIDED else None)
            if claim is None:
                problems.append(Diagnostic(*where, f"第 {p.number} 条(“{p.text}”)的口径待定",
                                           suggestion=f"用 --measure {p.number}=口径 给出,如 项目个数、预算总额、执行总额、总体执行率"))
        if not p.value.endswith("%"):
            try:
                Decimal(p.value)
            except InvalidOperation:
                problems.append(Diagnostic(*where, f"第 {p.number} 条的 value “{p.value}” 不是数",
                                           suggestion="改正注释中的 value 后再确认"))
        quote = excerpts.get(p.number)
        if quote and not excerpt_of(quote, p.text):
            problems.append(Diagnostic(*where, f"--text {p.number}=“{quote}” 不是原句“{p.text}”中的文字",
                                       suggestion="节选须照抄原句中的文字,省略处写“……”"))
        field = fields.get(p.number)
        if field is not None:
            problems += _into_problems(p, field, projects.get(p.number), sources.get(p.number), unit, named, taken,
                                       where)
        decisions[p.number] = Decision(claim, projects.get(p.number), quote,
                                       tuple(m for m in re.split(r"[、,,]\s*", listed.get(p.number, "")) if m),
                                       INTO.get(field or ""), sources.get(p.number))
    if problems:
        raise input_problem(problems)
    result, refs = reviewed(text, decisions, discarded)
    data = yaml.safe_load(result) or {}
    with input_errors():
        check_generated(result, refs, file, data.get("year", 0))
    check_output(output, force, [file])
    write_output(result, output, force, [file])
    claimed = sum(1 for d in decisions.values() if d.measure)
    click.echo(f"已确认 {claimed} 条、填入项目金额 {len(fields)} 条、删去 {len(discarded)} 条,"
               f"其余 {len(pending) - len(decisions) - len(discarded)} 条仍在文件末尾的注释中。", err=True)


def _into_problems(p, field: str, project: str | None, source: str | None, unit: str, named: set, taken: dict,
                   where: tuple) -> list:
    """Why a candidate's value cannot go into that budget field (none: it is noted in `taken`)."""
    from ..io.documents.review import INTO

    n = p.number
    if field not in INTO:
        return [Diagnostic(*where, f"--into {n}=“{field}” 不是可填入的栏目", suggestion="可填: " + "、".join(INTO))]
    if not project:
        return [Diagnostic(*where, f"--into {n} 没有给出项目", suggestion=f"加 --project {n}=项目名称")]
    if project in named:
        return [Diagnostic(*where, f"项目“{project}”已在事实文件中,--into 只能给新项目填入金额",
                           suggestion="直接在事实文件中该项目的 budget 下填写,注明取自哪一句")]
    percent = p.value.endswith("%")
    if percent != (field == "执行率"):
        return [Diagnostic(*where, f"第 {n} 条是{'百分数' if percent else '金额'},不能作为{field}",
                           suggestion="执行率取百分数,预算数、执行数取金额")]
    if not percent and p.unit != unit:
        return [Diagnostic(*where, f"第 {n} 条的金额单位是{p.unit or '(无)'},事实文件的金额单位是{unit}",
                           suggestion="perfaudit 不换算正文中的金额;单位不同的金额请在核对后手工填写")]
    key = (project, source, field)
    if key in taken:
        return [Diagnostic(*where, f"第 {n} 条与第 {taken[key]} 条都填入“{project}”{source or ''}的{field}")]
    taken[key] = n
    return []

"""`perfaudit claims review`: the candidate claims perfaudit import left as comments in a facts file, listed
by number; the confirmed ones moved into `claims:` (written to -o, never over the file read)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..errors import Diagnostic, InputError
from .common import InputProblem, check_output, input_problem, write_output


@click.group("claims")
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


def _measures(given: tuple, file: str) -> dict:
    out = {}
    for item in given:
        number, _, measure = item.partition("=")
        if not number.strip().isdigit() or not measure.strip():
            raise input_problem([Diagnostic(file, 0, 0, "", f"--measure “{item}” 应写成 编号=口径",
                                            suggestion="如 --measure 3=预算总额")])
        out[int(number)] = measure.strip()
    return out


@claims.command("review")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--accept", default=None, help="确认的编号(如 1,3):移入 claims:")
@click.option("--discard", default=None, help="删去的编号(如 2,4):不是数量陈述,或与核查无关")
@click.option("--measure", multiple=True, help="编号=口径,给口径待定的陈述定口径(如 3=预算总额),可多次给出")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="写入的事实文件(默认标准输出);不会写回正在读取的文件")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖")
def review(file, accept, discard, measure, output, force):
    """列出 perfaudit import 从文字中抽出、尚未确认的数量陈述;
    用 --accept / --discard 确认或删去,结果写到 -o 给出的文件。"""
    from ..documents.review import UNDECIDED, listing, reviewed, split
    from ..spreadsheet.importer import check_generated

    path = Path(file)
    if not path.is_file():
        raise input_problem([Diagnostic(file, 0, 0, "", "文件不存在", suggestion="给出 perfaudit import 写出的事实文件")])
    text = path.read_text(encoding="utf-8")
    _, pending = split(text)
    if not accept and not discard:
        if not pending:
            click.echo(f"{file} 中没有待确认的数量陈述。", err=True)
            return
        click.echo(listing(pending), nl=False)
        click.echo(f"共 {len(pending)} 条。确认: perfaudit claims review {file} --accept 编号 -o 新文件"
                   "(口径待定的加 --measure 编号=口径);删去: --discard 编号", err=True)
        return
    if not pending:
        raise input_problem([Diagnostic(file, 0, 0, "", "文件中没有待确认的数量陈述",
                                        suggestion="待确认的陈述由 perfaudit import 写在事实文件末尾的注释中")])
    accepted = _numbers(accept, "--accept", len(pending), file)
    discarded = _numbers(discard, "--discard", len(pending), file)
    measures = _measures(measure, file)
    problems = [Diagnostic(file, 0, 0, "", f"第 {n} 条既在 --accept 中又在 --discard 中") for n in sorted(accepted & discarded)]
    chosen = {}
    for p in pending:
        if p.number not in accepted:
            continue
        chosen[p.number] = measures.get(p.number) or (p.measure if p.measure != UNDECIDED else None)
        if chosen[p.number] is None:
            problems.append(Diagnostic(file, p.lines[0] + 1, 0, "", f"第 {p.number} 条(“{p.text}”)的口径待定",
                                       suggestion=f"用 --measure {p.number}=口径 给出,如 项目个数、预算总额、执行总额、总体执行率"))
        if not p.value.endswith("%"):
            try:
                Decimal(p.value)
            except InvalidOperation:
                problems.append(Diagnostic(file, p.lines[0] + 1, 0, "", f"第 {p.number} 条的 value “{p.value}” 不是数",
                                           suggestion="改正注释中的 value 后再确认"))
    if problems:
        raise input_problem(problems)
    result, refs = reviewed(text, chosen, discarded)
    import yaml

    data = yaml.safe_load(result) or {}
    try:
        check_generated(result, refs, file, data.get("year", 0), data.get("department") or "")
    except InputError as error:
        raise InputProblem(error) from None
    check_output(output, force, [file])
    write_output(result, output, force, [file])
    click.echo(f"已确认 {len(chosen)} 条、删去 {len(discarded)} 条,其余 {len(pending) - len(chosen) - len(discarded)} 条"
               "仍在文件末尾的注释中。", err=True)

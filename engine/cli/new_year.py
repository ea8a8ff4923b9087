from __future__ import annotations

from pathlib import Path

import click

from ..core.errors import Diagnostic
from ..io.output import write_new_files
from .common import input_errors, input_problem, output_errors, say


@click.command("new-year")
@click.argument("year", type=click.IntRange(1990, 2100))
@click.option("--from", "source", required=True, type=click.Path(), help="上一年度的事实目录或文件,如 facts/2025")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default=None,
              help="草稿写入的目录(默认: 与 --from 目录同级、以年度命名,如 facts/2026)")
def new_year(year, source, out_dir):
    """开始新的年度:按上一年度的事实生成本年度事实文件草稿。

    项目、曾用名、指标和年度指标值沿用上年;预算金额、执行率、实际完成值和得分清空;
    上年报告中本年到期的整改承诺列在文件开头,供核对。已有同名文件时不覆盖(退出码 2)。
    """
    from .. import api
    from ..io.scaffold import drafts_for

    with input_errors():
        reports = api.load_facts([source])
    later = sorted({r.year for r in reports if r.year >= year})
    if later:
        raise input_problem([Diagnostic(source, 0, 0, "", f"--from 中已有 {'、'.join(map(str, later))} 年的报告,"
                                        f"不能据此开始 {year} 年", f"早于 {year} 年的事实",
                                        f"例如 perfaudit new-year {max(later) + 1} --from {source}")])
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    target = Path(out_dir) if out_dir else folder.parent / str(year)  # beside the --from folder: facts/2026
    drafts = drafts_for(reports, year)
    with output_errors():  # all drafts or none
        write_new_files(target, [(d.filename, d.text) for d in drafts], "文件已存在,new-year 不会覆盖")
    say("".join(f"已生成 {target / d.filename}(据 {d.source})\n" for d in drafts)
        + f"共 {len(drafts)} 份草稿。填写后运行: perfaudit evaluate {source} {target}")

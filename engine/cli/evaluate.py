from __future__ import annotations

import sys

import click

from ..errors import InputError
from ..findings import SEVERITY_LABELS, split_unevaluable
from ..gcpause import paused_gc
from ..render import FORMATS, RenderOptions, is_binary, render
from .common import (EXIT_FINDINGS, SEVERITIES, InputProblem, backend_option, check_output, files_read,
                     force_option, rules_option, write_output)


SEVERITY_NAMES = {label: name for name, label in SEVERITY_LABELS.items()}  # --fail-on 错误 = error


@click.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path())
@rules_option
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="输出格式")
@click.option("--fail-on", type=click.Choice(SEVERITIES + tuple(SEVERITY_LABELS.values())), default=None,
              help="有该级别或更严重的发现时以退出码 1 结束(也可写 错误/警告/提示)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="写入文件而不是标准输出")
@force_option
@click.option("-v", "--verbose", is_flag=True, help="文本输出中列出全部依据和数据来源")
@backend_option
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="并行进程数:按部门分到多个进程核查,结果与单进程完全相同;0 表示自动(按可用 CPU 核数,输入很小时单进程)")
def evaluate(facts, rules_dir, fmt, fail_on, output, force, verbose, backend, jobs):
    """按规则核查事实文件(可给出多个文件或目录)。"""
    from .. import api
    from .progress import progress_bar, wants_progress_bar

    if is_binary(fmt) and output in (None, "-") and stdout_is_terminal():
        raise click.UsageError(f"--format {fmt} 是二进制文件,不能输出到终端;请用 -o 指定文件,如 -o 整改台账.{fmt}")
    inputs = files_read(facts, [rules_dir])
    earlier = _earlier_ledger(fmt, output, force)
    check_output(output, force or earlier is not None, inputs)
    with paused_gc():  # from the first record to the last byte written (engine/gcpause.py)
        try:
            ruleset = api.load_rules(rules_dir)
            files = api.count_facts_files(facts)
            with progress_bar(2 * files, wants_progress_bar(fmt, output, files)) as advance:
                result = api.evaluate_paths(ruleset, facts, backend=backend, jobs=jobs, progress=advance)
        except InputError as error:
            raise InputProblem(error) from None
        if result.notice:
            click.echo(result.notice, err=True)
        if earlier is None:
            write_output(render(fmt, result, RenderOptions(verbose=verbose)), output, force, inputs)
        else:
            _update_ledger(result, earlier, output, inputs)
    if fail_on:
        threshold = SEVERITIES.index(SEVERITY_NAMES.get(fail_on, fail_on))
        # a rule missing data could not decide is not a finding (engine/findings.py split_unevaluable)
        if any(SEVERITIES.index(f.severity) <= threshold for f in split_unevaluable(result.findings)[0]):
            sys.exit(EXIT_FINDINGS)


def _earlier_ledger(fmt, output, force):
    """A ledger perfaudit wrote at output, which this run updates rather than replaces (without --force)."""
    if fmt != "xlsx" or force or output in (None, "-"):
        return None
    from ..render.ledger_update import earlier_ledger

    return earlier_ledger(output)


def _update_ledger(result, earlier, output, inputs) -> None:
    from ..render.ledger_update import update_ledger

    update = update_ledger(result, earlier)
    write_output(update.data, output, True, inputs)
    click.echo(update.summary(output), err=True)


def stdout_is_terminal() -> bool:
    return click.get_text_stream("stdout").isatty()

from __future__ import annotations

import functools
import sys

import click

from ..core.findings import SEVERITY_LABELS, SEVERITY_ORDER, tally
from ..load.files import expand_paths
from ..render import FORMATS, RenderOptions, is_binary, render
from ..render.style import is_terminal, wants_colour
from ..run.gcpause import paused_gc
from .common import (EXIT_FINDINGS, backend_option, check_output, files_read, force_option,
                     output_errors, rules_option, write_output, write_output_pieces)


SEVERITY_NAMES = {label: name for name, label in SEVERITY_LABELS.items()}  # --fail-on 错误 = error


@click.command()
@click.argument("facts", nargs=-1, required=True, type=click.Path())
@rules_option
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="输出格式")
@click.option("--fail-on", type=click.Choice(tuple(SEVERITY_LABELS) + tuple(SEVERITY_LABELS.values())), default=None,
              help="有该级别或更严重的发现时以退出码 1 结束(也可写 错误/警告/提示)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="写入文件而不是标准输出")
@force_option
@click.option("-v", "--verbose", is_flag=True, help="文本输出中列出全部依据和数据来源")
@backend_option
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="并行进程数:按部门分到多个进程核查,结果与单进程完全相同;0 表示自动(按可用 CPU 核数,输入很小时单进程)")
@click.option("--cache", "cache_dir", metavar="目录", envvar="PERFAUDIT_CACHE", default=None,
              help="缓存目录(也可用环境变量 PERFAUDIT_CACHE):json、csv 输出时,规则、引擎和部门事实文件都未改动的部门"
                   "直接取用上次结果,输出与不用缓存时逐字节相同;可随时删除,超过 PERFAUDIT_CACHE_MAX_MIB"
                   "(默认 2048)MiB 时删除最久未用的条目")
@click.option("--prepared-by", metavar="姓名", default=None, help="编制人,写在 text/md/html/xlsx 报告抬头(不给则不显示)")
@click.option("--reviewed-by", metavar="姓名", default=None, help="复核人,写在报告抬头(不给则不显示)")
@click.option("--report-date", metavar="YYYY-MM-DD", default=None, callback=lambda _c, _p, v: _report_date(v),
              help="报告日期,写在报告抬头(不给则不显示;perfaudit 不自动填当天日期,以保证同样输入得到同样输出)")
def evaluate(facts, rules_dir, fmt, fail_on, output, force, verbose, backend, jobs, cache_dir, prepared_by,
             reviewed_by, report_date):
    """按规则核查事实文件(可给出多个文件或目录)。"""
    from .. import api
    from .progress import progress_bar, wants_progress_bar

    if is_binary(fmt) and output in (None, "-") and stdout_is_terminal():
        raise click.UsageError(f"--format {fmt} 是二进制文件,不能输出到终端;请用 -o 指定文件,如 -o 整改台账.{fmt}")
    listed, problems = expand_paths(facts)
    if not problems:  # listed once for every step below; with a problem, each step names the paths as given
        facts = listed
    inputs = files_read(facts, [rules_dir])
    earlier = _earlier_ledger(fmt, output, force)
    check_output(output, force or earlier is not None, inputs)
    from ..run.streaming import FORMATS as STREAMED, severities, spool_folder

    stream = fmt if fmt in STREAMED and earlier is None else None
    cache = _cache(cache_dir, stream)
    spool = spool_folder(output) if stream else None  # None for standard output and devices too
    with paused_gc():  # from the first record to the last byte written (engine/run/gcpause.py)
        with output_errors():  # input errors, and a full disk under the spool (engine/run/streaming.py)
            ruleset = api.load_rules(rules_dir)
            again = functools.partial(api.evaluate_paths, ruleset, facts, backend=backend, jobs=jobs, stream=stream,
                                      spool_folder=spool)
            with progress_bar(2 * len(listed), wants_progress_bar(fmt, output, len(listed))) as advance:
                result = again(progress=advance, cache=cache)
        if result.notice:
            click.echo(result.notice, err=True)
        if stream:  # JSON and CSV: written from the spool of rendered findings (engine/run/streaming.py)
            found = _write_streamed(result, again, [cache, None] if cache else [], output, force, inputs,
                                    rewritable=spool is not None)
        elif earlier is None:
            metadata = {"prepared_by": prepared_by, "reviewed_by": reviewed_by, "report_date": report_date}
            colour = fmt == "text" and output in (None, "-") and wants_colour(sys.stdout)
            options = RenderOptions(verbose=verbose, extra={"metadata": metadata, "colour": colour})
            write_output(render(fmt, result, options), output, force, inputs)
        else:  # the ledger perfaudit wrote at output, updated: what departments filled in is kept
            from ..render.ledger_update import update_ledger

            update = update_ledger(result, earlier)
            write_output(update.data, output, True, inputs)
            click.echo(update.summary(output), err=True)
        if not stream:
            found = severities(tally(result.findings))
    if fail_on:
        threshold = SEVERITY_ORDER[SEVERITY_NAMES.get(fail_on, fail_on)]
        # a rule missing data could not decide is not a finding (engine/core/findings.py split_unevaluable)
        if any(SEVERITY_ORDER[severity] <= threshold for severity in found):
            sys.exit(EXIT_FINDINGS)


def _write_streamed(result, again, caches, output, force, inputs, rewritable: bool) -> set:
    """The streamed document written, and the severities found. A cache entry found bad while the document is written
    (engine/run/partcache.py BadEntry; only before the first byte unless the output is `rewritable`, a temporary
    file until it is complete) drops what was written: the run is done `again` with the next of `caches`, the entry
    (deleted) evaluated anew; the last without the cache."""
    from ..run.partcache import BadEntry
    from ..run.streaming import severities

    while True:
        try:
            write_output_pieces(functools.partial(result.write, rewritable=rewritable), output, force, inputs)
            return severities(result.counts())
        except BadEntry:
            if not caches:
                raise
        finally:
            result.close()
        with output_errors():
            result = again(cache=caches.pop(0))


def _report_date(value):
    """The --report-date as given, once it is a real calendar date (2025-03-31), so a filed report carries no typo."""
    if value is None:
        return None
    from datetime import date

    try:
        date.fromisoformat(value)
        if len(value) == 10:
            return value
    except ValueError:
        pass
    raise click.BadParameter(f"“{value}”不是有效日期;请写成 YYYY-MM-DD,如 2025-03-31")


def _cache(folder, stream):
    """The --cache folder ready for use, or None (with a notice when it was asked for and cannot be used)."""
    if folder is None:
        return None
    if stream is None:
        source = click.get_current_context().get_parameter_source("cache_dir")
        if source == click.core.ParameterSource.COMMANDLINE:
            click.echo("提示: --cache 只用于 --format json 和 csv 输出,本次不使用缓存。", err=True)
        return None
    from ..run.partcache import open_cache

    cache, why = open_cache(folder)
    if why:
        click.echo(why, err=True)
    return cache


def _earlier_ledger(fmt, output, force):
    """A ledger perfaudit wrote at output, which this run updates rather than replaces (without --force)."""
    if fmt != "xlsx" or force or output in (None, "-"):
        return None
    from ..render.ledger_update import earlier_ledger

    return earlier_ledger(output)


def stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)  # None when the command was started with standard output closed

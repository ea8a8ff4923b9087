"""Shared pieces of the CLI: exit codes, error display, atomic output, common options."""
from __future__ import annotations

import errno
import functools
import sys
from contextlib import contextmanager

import click

from ..core.errors import InputError
from ..io import output as output_files
from ..io.output import EX_IOERR

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 70


class InputProblem(click.ClickException):
    """Invalid user input: every diagnostic, exit code 2, nothing written."""

    exit_code = EXIT_INPUT

    def __init__(self, error: InputError):
        super().__init__(error.render())
        self.error = error

    def show(self, file=None):
        count = len(self.error.diagnostics)
        click.echo(self.error.render() + f"\n共 {count} 个错误,未产生任何输出。", err=True)


def input_problem(diagnostics) -> InputProblem:
    return InputProblem(InputError(list(diagnostics)))


class OutputProblem(click.ClickException):
    """The disk refused the output (full, I/O error): exit 74, the old file kept."""

    exit_code = EX_IOERR

    def __init__(self, error):
        super().__init__(error.diagnostic.render())

    def show(self, file=None):
        click.echo(self.message, err=True)


def files_read(facts=(), rules_dirs=()):
    """Every facts and rule file a command reads (folders expanded), none of which may become its output:
    a function, so the folders are listed only when -o names an existing file, and only once (the output is
    checked before the work and again when written; 5,000 reports take 0.1 s to list)."""
    @functools.cache
    def listing() -> list:
        from ..construct.rules import rule_files
        from ..load.files import expand_paths

        files = list(expand_paths(facts)[0]) if facts else []
        for folder in rules_dirs:
            files += rule_files(folder)[0]
        return files

    return listing


@contextmanager
def input_errors():
    """An InputError raised inside shown as the CLI shows invalid input (every diagnostic, exit 2)."""
    try:
        yield
    except InputError as error:
        raise InputProblem(error) from None


@contextmanager
def output_errors():
    """engine/io/output.py's refusals and disk failures, shown as the CLI shows errors."""
    with input_errors():
        try:
            yield
        except output_files.OutputError as error:
            raise OutputProblem(error) from None


def check_output(output: str | None, force: bool = False, inputs=()) -> None:
    """Refuse a bad -o before the work is done (write_output checks again when it writes)."""
    if output is None or output == "-":
        return
    with output_errors():
        output_files.plan(output, force=force, inputs=inputs)


def binary_stdout():
    """Standard output for bytes (click.get_binary_stream is deprecated from click 8.5): the buffer under
    the text stream, after what was written as text (so the two stay in order)."""
    sys.stdout.flush()
    return sys.stdout.buffer


@contextmanager
def stdout_errors():
    """Standard output that cannot take the document, said as such, not as an internal error: closed when the
    command started (Python's sys.stdout is then None; text was dropped without a word), or failing under a
    redirection (a full disk: > /dev/full). A reader gone (| head) is click's: exit 1, quietly."""
    if sys.stdout is None:
        raise InputProblem(output_files.stdout_closed())
    try:
        yield
    except OSError as exc:
        _raise_stdout_problem(exc)


def _raise_stdout_problem(exc: OSError):
    if exc.errno == errno.EPIPE:
        raise exc
    raise OutputProblem(output_files.stdout_problem(exc)) from None


def say(text: str) -> None:
    """A line on standard output once the work is done (files written): not written where standard output is
    closed, and a full disk said as stdout_errors says it."""
    if sys.stdout is not None:
        with stdout_errors():
            click.echo(text)
            sys.stdout.flush()


def write_output(data, output: str | None, force: bool = False, inputs=()) -> None:
    """Standard output, or a file written by engine/io/output.py (atomic, never over an input or a device)."""
    if output is None or output == "-":
        with stdout_errors():
            if isinstance(data, bytes):
                binary_stdout().write(data)
            else:
                click.echo(data, nl=False)
            sys.stdout.flush()
        return
    with output_errors():
        output_files.write(data, output, force=force, inputs=inputs)


def write_output_pieces(produce, output: str | None, force: bool = False, inputs=()) -> None:
    """write_output for a document made piece by piece: produce(write) calls write(text or bytes) for each
    piece; a file is still written all or nothing (engine/io/output.py Stream), standard output as it goes."""
    if output is None or output == "-":
        with stdout_errors():
            stdout = binary_stdout()

        def write(piece) -> None:  # only the writing is standard output's: produce also reads (spool, cache)
            try:
                stdout.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
            except OSError as exc:
                _raise_stdout_problem(exc)

        produce(write)
        with stdout_errors():
            stdout.flush()
        return
    with output_errors():
        with output_files.Stream(output, force=force, inputs=inputs) as out:
            produce(out.write)


force_option = click.option("--force", is_flag=True, help="输出文件已存在时覆盖(本次读取的输入文件除外)")


def rules_option(f):
    """--rules; when not given, the folder engine/construct/projectfile.py finds, from the command's facts paths."""
    @functools.wraps(f)
    def run(*args, **kwargs):
        if kwargs.get("rules_dir") is None:
            kwargs["rules_dir"] = located_rules(kwargs.get("facts") or kwargs.get("paths") or ())
        return f(*args, **kwargs)

    return click.option("--rules", "rules_dir", default=None, type=click.Path(file_okay=False),
                        help="规则目录;不给时依次找环境变量 PERFAUDIT_RULES、perfaudit.toml(从事实路径和当前目录"
                             "逐级向上)、当前目录下的 rules")(run)


def located_rules(paths) -> str:
    from ..construct.projectfile import find_rules

    with input_errors():
        return find_rules(paths)


backend_option = click.option("--backend", type=click.Choice(["auto", "durable", "python"]), default="auto",
                              show_default=True, help="求值后端:auto 优先 durable_rules,无法导入或运行出错时改用纯 Python(结果一致)")

"""Shared pieces of the CLI: exit codes, error display, atomic output, common options."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import click

from ..errors import InputError

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 70
SEVERITIES = ("error", "warning", "info")


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


def refuse_overwriting_inputs(output: str | None, inputs) -> None:
    """-o naming one of the files just read would replace the user's facts or rules with a report."""
    if output is None or output == "-":
        return
    target = Path(output).resolve()
    if any(target == Path(path).resolve() for path in inputs):
        from ..errors import Diagnostic

        raise input_problem([Diagnostic(output, 0, 0, "", "输出文件是本次读取的输入文件之一,拒绝覆盖",
                                        suggestion="用 -o 指定另一个文件名")])


def write_output(data, output: str | None) -> None:
    """Write all at once (temp file + rename), so a failure never leaves partial output."""
    if output is None or output == "-":
        if isinstance(data, bytes):
            click.get_binary_stream("stdout").write(data)
        else:
            click.echo(data, nl=False)
        return
    target = Path(output)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=".perfaudit-")
    except OSError as exc:  # a missing or read-only folder is the user's to fix, not a crash
        from ..errors import Diagnostic

        raise input_problem([Diagnostic(output, 0, 0, "", f"无法写入输出文件: {exc.strerror}",
                                        suggestion="检查 -o 给出的目录是否存在、是否可写")]) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report should get the user's usual mode
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def rules_option(f):
    """--rules; when not given, the folder engine/projectfile.py finds, from the command's facts paths."""
    @functools.wraps(f)
    def run(*args, **kwargs):
        if kwargs.get("rules_dir") is None:
            kwargs["rules_dir"] = located_rules(kwargs.get("facts") or kwargs.get("paths") or ())
        return f(*args, **kwargs)

    return click.option("--rules", "rules_dir", default=None, type=click.Path(file_okay=False),
                        help="规则目录;不给时依次找环境变量 PERFAUDIT_RULES、perfaudit.toml(从事实路径和当前目录"
                             "逐级向上)、当前目录下的 rules")(run)


def located_rules(paths) -> str:
    from ..projectfile import find_rules

    try:
        return find_rules(paths)
    except InputError as error:
        raise InputProblem(error) from None


def backend_option(f):
    return click.option("--backend", type=click.Choice(["auto", "durable", "python"]), default="auto",
                        show_default=True, help="求值后端:auto 优先 durable_rules,无法导入或运行出错时改用纯 Python(结果一致)")(f)

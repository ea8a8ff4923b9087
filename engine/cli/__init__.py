"""The `perfaudit` command: thin click commands over the library (engine.api).

One module per command; each is registered in COMMANDS below.
"""
from __future__ import annotations

import sys
from importlib import import_module
from keyword import iskeyword

import click

from . import zh
from ..backends import EngineError
from ..core.version import VERSION
from ..io.output import Interrupted, install_signal_handlers
from .common import EXIT_INTERNAL

# command name -> module under engine.cli that defines a click command of that name
COMMANDS = {
    "check": "check",
    "evaluate": "evaluate",
    "schema": "schema",
    "explain": "explain",
    "template": "template",
    "import": "import_cmd",
    "test": "test_cmd",
    "diff": "diff",
    "new-year": "new_year",
    "new-rule": "new_rule",
    "claims": "claims",
}


zh.install()  # click's own messages in Chinese (engine/cli/zh.py)


@click.group(cls=zh.PerfauditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="perfaudit")
def cli():
    """perfaudit:预算绩效自评报告的政策核查引擎(规则即数据)。"""


for _name, _module in COMMANDS.items():
    # a command named like a Python keyword is defined with a trailing underscore (import -> import_)
    _attr = _name.replace("-", "_") + ("_" if iskeyword(_name) else "")
    cli.add_command(getattr(import_module(f"{__name__}.{_module}"), _attr), _name)


def main():
    install_signal_handlers()  # Ctrl-C and SIGTERM: temporary files removed, exit 130 / 143 (not click's 1)
    try:
        cli(standalone_mode=True)
    except (KeyboardInterrupt, Interrupted) as exc:
        click.echo("已中断。", err=True)
        sys.exit(getattr(exc, "exit_code", 130))
    except EngineError as exc:  # durable_rules failed (--backend durable; auto re-evaluates on Python instead)
        click.echo(f"durable_rules 出错: {exc}\n"
                   "可改用 --backend python(与 durable_rules 结果一致)或 --backend auto(出错时自动改用)。", err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as exc:  # a traceback is a bug: say so plainly
        click.echo(f"perfaudit 内部错误: {type(exc).__name__}: {exc}\n"
                   "这是 perfaudit 的缺陷,请连同命令和输入文件一起报告。", err=True)
        sys.exit(EXIT_INTERNAL)

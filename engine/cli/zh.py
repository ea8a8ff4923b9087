"""Chinese for click's own words: usage errors, help headings, type names.

click translates every message it prints with gettext (`from gettext import gettext as _` in each of
its modules). A catalogue installed for the process's gettext domain would depend on the user's locale
variables and on a compiled .mo file; instead each click module's `_` and `ngettext` are pointed at
this catalogue, so the words are Chinese whatever the locale. A message missing from the catalogue
stays English (tests/test_cli_messages.py checks that every message a user can meet is here); the
`--version` line "perfaudit, version X" is kept as it is, for scripts that read it.
The metavars click writes itself ([OPTIONS], INTEGER RANGE ...) are not gettext messages: PerfauditGroup
sets them per command, and HelpFormatter translates the type names in the option column.
"""
from __future__ import annotations

import importlib
import re

import click

from ..core.cjk import display_width
from ..core.errors import did_you_mean

CATALOGUE = {
    # usage errors
    "Error: {message}": "错误: {message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such command {name!r}.": "没有 {name!r} 这个命令。",
    "No such option {name!r}.": "没有 {name!r} 这个选项。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数: {param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效: {message}",
    "Invalid value: {message}": "值无效: {message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效({option})",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}: {message}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Value must be an iterable.": "值必须是一组值。",
    # types
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是一个目录,这里需要文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是一个文件,这里需要目录。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值,可写: {states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "Choose from:\n\t{choices}": "可选:\n\t{choices}",
    # help screens
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认: {default}",
    "required": "必填",
    "deprecated": "已弃用",
    "env var: {var}": "环境变量: {var}",
    "(dynamic)": "(动态)",
    # ngettext: singular and plural forms, each its own entry
    "Got unexpected extra argument ({args})": "多出了参数({args})",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值,只给了 1 个。",
    "Did you mean {possibility}?": "你是不是想写: {possibility}?",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一: {choices}。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值,只给了 {len_value} 个。",

    "Got unexpected extra arguments ({args})": "多出了参数({args})",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值,给了 {len} 个。",
    "(Did you mean one of: {possibilities}?)": "(你是不是想写其中之一: {possibilities}?)",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合以下任一格式: {formats}。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值,给了 {len_value} 个。",
}

# click's type names as its help screens and number errors print them
TYPE_NAMES = {"INTEGER RANGE": "整数", "FLOAT RANGE": "数值", "INTEGER": "整数", "FLOAT": "数值",
              "DIRECTORY": "目录", "FILE": "文件", "PATH": "路径", "TEXT": "文字", "BOOLEAN": "是/否",
              "integer": "整数", "float": "数值"}
_TYPE_WORD = re.compile(r"\b(" + "|".join(sorted(TYPE_NAMES, key=len, reverse=True)) + r")\b")
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
_CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui", "utils")


def gettext(message: str) -> str:
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    # "'x' is not a valid integer": the type name is formatted into the message, not translated by click
    for number, word in ((click.types.IntParamType, "整数"), (click.types.FloatParamType, "数值"),
                         (click.types.IntRange, "整数"), (click.types.FloatRange, "数值")):
        number.name = word


_TOKEN = re.compile(r"[\x21-\x7e]+|\s+|.")  # a run of printable ASCII (a word, an option) or one character


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` terminal columns: Chinese breaks between any two characters, ASCII words
    and option names are kept whole (click's textwrap counts characters and splits Chinese mid-word)."""
    lines, line = [], ""
    for token in _TOKEN.findall(" ".join(text.split())):
        if line and display_width(line) + display_width(token) > width:
            lines.append(line.rstrip())
            line = "" if token.isspace() else token
        else:
            line += token
    return lines + [line.rstrip()] if line.strip() or not lines else lines


class HelpFormatter(click.HelpFormatter):
    """Option lists aligned and wrapped by terminal columns (a Chinese character takes two), with click's
    type names (DIRECTORY, INTEGER ...) in Chinese."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_TYPE_WORD.sub(lambda m: TYPE_NAMES[m.group(1)], first), second) for first, second in rows]
        widths = [display_width(first) for first, _ in rows]
        column = min(max(widths, default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for (first, second), used in zip(rows, widths):
            self.write(indent + first)
            if not second:
                self.write("\n")
                continue
            if used <= column - col_spacing:
                self.write(" " * (column - used))
            else:
                self.write("\n" + indent + " " * column)
            lines = wrap(second, max(self.width - self.current_indent - column, 20))
            self.write(("\n" + indent + " " * column).join(lines) + "\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class PerfauditGroup(click.Group):
    """Chinese help and usage for the group and every command added to it; an unknown command gets a
    did-you-mean from the command names."""

    context_class = Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def add_command(self, cmd, name=None) -> None:
        cmd.context_class = Context
        if cmd.options_metavar == "[OPTIONS]":
            cmd.options_metavar = OPTIONS_METAVAR
        super().add_command(cmd, name)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            hint = did_you_mean(name, self.list_commands(ctx)) or f"可用的命令: {'、'.join(self.list_commands(ctx))}。"
            ctx.fail(gettext("No such command {name!r}.").format(name=name) + " " + hint)
        return super().resolve_command(ctx, args)

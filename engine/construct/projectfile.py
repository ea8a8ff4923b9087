"""Which rules folder a command uses when --rules is not given.

Order (the first that names a folder wins):
  1. the environment variable PERFAUDIT_RULES;
  2. `perfaudit.toml` (`[perfaudit] rules = "..."`, relative to the toml file), searched upwards from each
     facts path given on the command line, then upwards from the current folder;
  3. `rules` in the current folder (what perfaudit did before project files existed).
A facts path is searched before the current folder because the facts belong to a project: run from
anywhere, `perfaudit evaluate /path/project/facts/2024` uses that project's rules.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ..core.errors import Diagnostic, InputError
from .rules import DEFAULT_RULES_DIR

PROJECT_FILE = "perfaudit.toml"
ENVIRONMENT = "PERFAUDIT_RULES"
SECTION, KEY = "perfaudit", "rules"


def find_rules(facts=(), cwd: Path | None = None, environ=None) -> str:
    """The rules folder to use (relative to cwd when under it, as the user would write it); raises
    InputError, naming every place looked at, when none of them names an existing folder."""
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    named = environ.get(ENVIRONMENT)
    if named:
        folder = cwd / named
        if not folder.is_dir():
            raise InputError([Diagnostic(f"环境变量 {ENVIRONMENT}", 0, 0, "", f"指定的规则目录不存在: {named}",
                                         suggestion=f"改正或清除 {ENVIRONMENT},或用 --rules 指定规则目录")])
        return _shown(folder, cwd)
    looked = []
    for start in [*(cwd / path for path in facts), cwd]:
        toml = _project_file(start)
        if toml is not None:
            return _shown(_rules_of(toml), cwd)
        looked.append(str(start))
    fallback = cwd / DEFAULT_RULES_DIR
    if fallback.is_dir():
        return _shown(fallback, cwd)
    places = "、".join(dict.fromkeys(looked))
    raise InputError([Diagnostic(
        DEFAULT_RULES_DIR, 0, 0, "", "找不到规则目录",
        expected=f"--rules 目录;或环境变量 {ENVIRONMENT};或 {PROJECT_FILE}(已从 {places} 逐级向上查找,未找到);"
                 f"或当前目录下的 {DEFAULT_RULES_DIR}/({cwd} 下没有)",
        suggestion=f"用 --rules 指定规则目录,或在项目顶层放一个 {PROJECT_FILE},内容为 "
                   f"[{SECTION}] 换行 {KEY} = \"rules\"(相对该文件的路径)")])


def _project_file(start: Path) -> Path | None:
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        toml = candidate / PROJECT_FILE
        if toml.is_file():
            return toml
    return None


def _rules_of(toml: Path) -> Path:
    try:
        data = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Diagnostic(str(toml), 0, 0, "", f"项目文件不是有效的 TOML: {exc}",
                                     suggestion=f"写成 [{SECTION}] 换行 {KEY} = \"rules\"")]) from None
    value = data.get(SECTION, {}).get(KEY) if isinstance(data.get(SECTION), dict) else None
    if not isinstance(value, str) or not value:
        raise InputError([Diagnostic(str(toml), 0, 0, f"{SECTION}.{KEY}", "项目文件没有给出规则目录",
                                     expected=f"[{SECTION}] 一节中的 {KEY} = \"目录\"(相对该文件的路径)")])
    folder = toml.parent / value
    if not folder.is_dir():
        raise InputError([Diagnostic(str(toml), 0, 0, f"{SECTION}.{KEY}", f"项目文件指定的规则目录不存在: {value}",
                                     expected=f"相对 {toml.parent} 的已有目录")])
    return folder


def _shown(folder: Path, cwd: Path) -> str:
    folder = Path(os.path.normpath(folder.resolve()))
    try:
        return str(folder.relative_to(cwd.resolve()))
    except ValueError:
        return str(folder)

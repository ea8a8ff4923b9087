"""Messages that mean what they say: click's usage errors and help in Chinese, Chinese --fail-on names,
and input errors that name their cause (a comma in a number, a full-width colon, a year in the wrong
folder, an unquoted {, an undefined message placeholder)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from engine.cli import COMMANDS, cli, zh

from .conftest import FACTS_2024, RULES
from .test_rules_static import edit, rules_dir  # noqa: F401 - rules_dir is a fixture

SEED = next(FACTS_2024.glob("*.yaml"))
ENGLISH = re.compile(r"Usage:|Options:|Commands:|Error:|Try '|No such|is not one of|is a directory|does not exist|"
                     r"Missing (argument|option|parameter)|Invalid value|Show this message|requires an argument|"
                     r"\[required\]|\[default|INTEGER|DIRECTORY|\[OPTIONS\]|\bTEXT\b")  # argument names (FACTS) stay


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], prog_name="perfaudit")


@pytest.mark.parametrize("args, expected", [
    (["evalute", FACTS_2024], "没有 'evalute' 这个命令。 你是不是想写: evaluate?"),
    (["xyz"], "可用的命令: check、claims、diff、evaluate"),
    (["evaluate", FACTS_2024, "--fromat", "json"], "没有 '--fromat' 这个选项。 你是不是想写: '--format'?"),
    (["evaluate", FACTS_2024, "--fail-on", "错"], "'--fail-on' 的值无效: '错' 不是可选值之一"),
    (["evaluate", FACTS_2024, "--format", "pdf"], "'pdf' 不是可选值之一"),
    (["evaluate", FACTS_2024, "-o", FACTS_2024], "文件 '"),
    (["evaluate"], "缺少参数 'FACTS...'"),
    (["explain", FACTS_2024], "缺少选项 '--project'"),
    (["evaluate", FACTS_2024, "-j", "x"], "'x' 不是有效的整数"),
    (["evaluate", FACTS_2024, "-j", "-1"], "-1 不在允许的范围 x>=0 内"),
    (["evaluate", FACTS_2024, "--format"], "选项 '--format' 需要一个值"),
    (["schema", "rules", "多余"], "多出了参数(多余)"),
    (["test", "--min-coverage", "200"], "200.0 不在允许的范围"),
])
def test_usage_errors_are_chinese(runner, args, expected):
    result = run(runner, *args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr
    if "这个选项" in expected or "这个命令" in expected:
        assert "用法: perfaudit" in result.stderr and "运行 'perfaudit" in result.stderr


@pytest.mark.parametrize("command", [[]] + [[name] for name in COMMANDS] + [["claims", "review"]])
def test_help_screens_have_chinese_headings(runner, command):
    result = run(runner, *command, "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("用法: perfaudit")
    assert "选项:" in result.stdout and "显示本帮助并退出。" in result.stdout
    assert not ENGLISH.search(result.stdout), result.stdout


@pytest.mark.parametrize("command", [[], ["claims"]])
def test_command_lists_give_whole_summaries(runner, command):
    """click cuts a command's summary at about 45 columns and ends it with "...": claims' list read
    "用 --accept / --discard..." until review was given a summary of its own."""
    listing = run(runner, *command, "--help").stdout
    assert "..." not in listing.split("命令:")[1], listing


def test_help_columns_line_up_in_terminal_columns(runner):
    from engine.core.cjk import display_width

    lines = run(runner, "evaluate", "--help").stdout.splitlines()
    starts = set()
    for line in lines[lines.index("选项:") + 1:]:
        match = re.match(r"^(  \S.*?)  +(\S)", line)
        if match and display_width(match.group(1)) < 30:
            starts.add(display_width(line[:match.start(2)]))
    assert len(starts) == 1
    assert all(display_width(line) <= 80 for line in lines)


def click_messages() -> set:
    """Every message click passes to gettext / ngettext, read from its source."""
    found = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


# what only a programmer defining commands, or features perfaudit does not use (prompts, editors, shell
# completion, Windows console, deprecation), can meet
NOT_FOR_USERS = re.compile(r"Boolean option|Could not determine name|defined twice|No options defined|"
                           r"Arguments take exactly|DeprecationWarning|Editing failed|Windows error|Bash|"
                           r"Unknown color|Unknown standard stream|Press any key|Repeat for confirmation|"
                           r"Do you want to continue|Confirm the action|entered values do not match|invalid input|"
                           r"^Choice\(|^d$|"
                           r"version %\(version\)s")  # --version stays "perfaudit, version X" for scripts


def test_every_click_message_a_user_can_meet_is_translated():
    missing = sorted(m for m in click_messages() if m not in zh.CATALOGUE and not NOT_FOR_USERS.search(m))
    assert missing == []


@pytest.mark.parametrize("word", ["错误", "error"])
def test_fail_on_accepts_chinese_severity_names(runner, word):
    result = run(runner, "evaluate", FACTS_2024, "--rules", RULES, "--fail-on", word)
    assert result.exit_code == 1  # the seed report has errors


def test_fail_on_chinese_info_threshold(runner):
    assert run(runner, "evaluate", FACTS_2024, "--rules", RULES, "--fail-on", "提示").exit_code == 1


# ---- input errors that name their cause ----------------------------------------------------


def facts_with(tmp_path, old, new, folder="2024"):
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / folder
    target.mkdir()
    (target / SEED.name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def check(runner, *args):
    result = run(runner, "check", "--rules", RULES, *args)
    assert result.exit_code == 2, result.output
    return result.stderr


def test_a_comma_in_an_unquoted_number_is_not_told_to_remove_quotes(runner, tmp_path):
    out = check(runner, facts_with(tmp_path, "executed: 111.85", "executed: 12,3"))
    assert "去掉引号" not in out
    assert "数字中不能有逗号" in out and "12.3" in out


def test_a_quoted_number_is_still_told_to_remove_the_quotes(runner, tmp_path):
    assert "去掉引号,写成数字" in check(runner, facts_with(tmp_path, "executed: 111.85", 'executed: "111.85"'))


def test_full_width_colon_is_named_on_its_own_line(runner, tmp_path):
    folder = facts_with(tmp_path, "executed: 111.85", "executed：111.85")
    line = next(n for n, text in enumerate((folder / SEED.name).read_text("utf-8").splitlines(), 1)
                if "executed：" in text)
    out = check(runner, folder)
    assert f"{SEED.name}:{line}:15: YAML 语法错误: 键后面用了全角冒号“：”" in out
    assert "executed: 111.85" in out


def test_year_not_matching_its_folder_is_reported_first_as_the_cause(runner, tmp_path):
    out = check(runner, facts_with(tmp_path, "year: 2024", "year: 2025"))
    first = out.splitlines()[0]
    assert "年度 2025 与所在目录 2024 不一致" in first
    assert "移到 2025 年的目录" in out


def test_the_year_may_differ_from_a_folder_not_named_for_a_year(runner, tmp_path):
    folder = facts_with(tmp_path, "year: 2024", "year: 2023", folder="草稿")
    result = run(runner, "check", "--rules", RULES, folder)
    assert "与所在目录" not in result.output


def edit_rule(rules_dir, old, new):
    edit(rules_dir / "cross-department.yaml", old, new)


def test_unquoted_message_starting_with_a_brace_says_to_quote_it(runner, rules_dir):
    edit_rule(rules_dir, 'message: "{项目}涉及{缺少文件的部门:list},但 {年度} 年没有与其签订的协同文件({认可的文件类型:list})"',
              "message: {项目}涉及{缺少文件的部门:list},但 {年度} 年没有与其签订的协同文件")
    out = run(runner, "check", "--rules", rules_dir).stderr
    assert "以 { 开头的文字必须加引号" in out
    assert "此处多出一段文字" not in out


def test_undefined_placeholder_lists_the_defined_names(runner, rules_dir):
    edit_rule(rules_dir, "{缺少文件的部门:list}", "{缺少的部门:list}")
    out = run(runner, "check", "--rules", rules_dir).stderr
    assert "消息模板引用了未定义的证据 “缺少的部门”" in out
    assert "协同部门、缺少文件的部门、认可的文件类型" in out
    assert "你是不是想写: 缺少文件的部门" in out

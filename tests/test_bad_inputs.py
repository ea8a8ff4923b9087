"""The bad-input corpus: whatever an auditor feeds perfaudit, it answers with a finding or a clear error.

Each folder in tests/bad_inputs/ is one case: an input (`input.yaml`, a `facts/` folder, and/or a
`rules/` folder laid over a copy of the shipped rules) and `expected.yaml`:

    about: what the case is about
    command: [evaluate, input.yaml]    # optional; this is the default (the rules are always --rules rules)
    exit: 2
    exact: true                        # optional, default true: no diagnostics besides those listed
    errors:                            # each must appear in the output, located exactly
      - {file: input.yaml, line: 10, column: 16, path: projects[0].budget.initial,
         message_contains: 类型错误, suggestion_contains: 去掉单位, expected_contains: 数字}
    findings_include:                  # for inputs accepted on purpose (exit 0): rule ids that must fire
      - execution.below-warning-line
    not_in_force_include:              # (exit 0) rule ids listed as not applied for want of a parameter value
      - extra.probe

Each case runs through click's CliRunner in a copy of its folder, with `-o out.json` for evaluate, and
must exit as expected, write no output file when it fails, and show no Python traceback. A few run
through the installed `perfaudit` script as well, and the cases too large to commit (a 50 MB file,
an alias bomb with 100,000 aliases, nesting 100,000 deep, a 1 MB run of blanks) are generated here
and must finish within seconds and under a memory limit.
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from engine.cli import cli

from .childcpu import run_timed
from .conftest import ROOT, RULES

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())
PERFAUDIT = ROOT / ".venv" / "bin" / "perfaudit"
_HEAD = re.compile(r"^(?P<file>[^\s:]+)(?::(?P<line>\d+))?(?::(?P<column>\d+))?: (?P<message>.*)$")
_FIELDS = {"字段": "path", "期望": "expected", "建议": "suggestion"}


def expected_of(case: str) -> dict:
    return yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))


def prepare(case: str, tmp_path: Path) -> Path:
    """A copy of the case folder with rules/ = the shipped rules plus the case's own rule files."""
    work = tmp_path / case
    shutil.copytree(CORPUS / case, work, ignore=shutil.ignore_patterns("expected.yaml"))
    shutil.copytree(RULES, work / "rules", ignore=shutil.ignore_patterns("tests"), dirs_exist_ok=True)
    if (CORPUS / case / "rules").is_dir():
        shutil.copytree(CORPUS / case / "rules", work / "rules", dirs_exist_ok=True)
    return work


def command_of(case: str, expected: dict) -> list[str]:
    if "command" in expected:
        args = list(expected["command"])
    else:
        target = "facts" if (CORPUS / case / "facts").is_dir() else "input.yaml"
        args = ["evaluate", target]
    args += ["--rules", "rules"]
    if args[0] == "evaluate":
        args += ["--format", "json", "-o", "out.json"]
    return args


def parse_diagnostics(text: str) -> list[dict]:
    """The rendered diagnostics (engine.core.errors.Diagnostic.render) back as dicts."""
    out: list[dict] = []
    current_field = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("共 "):
            continue
        if not line.startswith(" "):
            match = _HEAD.match(line)
            assert match, f"not a diagnostic line: {line!r}"
            d = match.groupdict()
            out.append({"file": d["file"], "line": int(d["line"] or 0), "column": int(d["column"] or 0),
                        "message": d["message"], "path": "", "expected": "", "suggestion": ""})
            current_field = None
            continue
        label, _, rest = line.strip().partition(": ")
        if label in _FIELDS and line.startswith("    ") and not line.startswith("     "):
            current_field = _FIELDS[label]
            out[-1][current_field] = rest
        else:  # continuation, e.g. the expression and caret under 期望
            assert current_field, f"stray line: {line!r}"
            out[-1][current_field] += "\n" + line.strip()
    return out


def matches(want: dict, got: dict) -> bool:
    for key in ("file", "line", "column", "path"):
        if key in want and want[key] != got[key]:
            return False
    return all(want[f"{key}_contains"] in got[key] for key in ("message", "expected", "suggestion")
               if f"{key}_contains" in want)


def assert_no_traceback(*texts):
    for text in texts:
        assert "Traceback" not in text and "内部错误" not in text, text


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    def go(case):
        work = prepare(case, tmp_path)
        monkeypatch.chdir(work)  # file names in the diagnostics are relative to the working directory
        return work

    return go


@pytest.mark.parametrize("case", CASES)
def test_case(case, in_tmp, runner):
    expected = expected_of(case)
    work = in_tmp(case)
    result = runner.invoke(cli, command_of(case, expected))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_no_traceback(result.stdout, result.stderr)
    assert result.exit_code == expected["exit"], result.output
    if expected["exit"] == 2:
        assert not (work / "out.json").exists(), "invalid input must not produce output"
        assert not list(work.glob(".perfaudit-*")), "no temporary file is left behind"
        got = parse_diagnostics(result.stderr)
        assert got, result.stderr
        assert result.stderr.rstrip().endswith(f"共 {len(got)} 个错误,未产生任何输出。")
        for want in expected["errors"]:
            assert any(matches(want, g) for g in got), f"missing {want}\nin {json.dumps(got, ensure_ascii=False, indent=1)}"
        if expected.get("exact", True):
            assert len(got) == len(expected["errors"]), json.dumps(got, ensure_ascii=False, indent=1)
    if expected["exit"] == 0:
        document = json.loads((work / "out.json").read_text(encoding="utf-8"))
        fired = {f["rule"] for f in document["findings"]}
        assert set(expected.get("findings_include", ())) <= fired
        not_applied = {item["rule"] for item in document["summary"].get("not_in_force", ())}
        assert set(expected.get("not_in_force_include", ())) <= not_applied
        assert not set(expected.get("not_in_force_include", ())) & fired


def test_every_case_folder_has_an_expectation():
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert folders == CASES
    assert len(CASES) >= 60
    for case in CASES:
        expected = expected_of(case)
        assert expected["about"] and expected["exit"] in (0, 2)
        assert expected["exit"] == 0 or expected["errors"], case


# ---- accepted on purpose ------------------------------------------------------------

def findings_of(runner, path) -> list:
    result = runner.invoke(cli, ["evaluate", str(path), "--rules", str(RULES), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["findings"]


def test_utf8_bom_evaluates_exactly_like_the_same_file_without_it(runner, tmp_path):
    raw = (CORPUS / "accepted-utf8-bom" / "input.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    plain = tmp_path / "plain" / "input.yaml"
    plain.parent.mkdir()
    plain.write_bytes(raw[3:])
    with_bom = findings_of(runner, CORPUS / "accepted-utf8-bom" / "input.yaml")
    without = findings_of(runner, plain)
    for f in with_bom + without:  # the file name differs; everything else must not
        f["citations"] = [{**c, "file": Path(c["file"]).name} if c["kind"] == "fact" else c for c in f["citations"]]
    assert with_bom == without and len(with_bom) > 3


def test_fullwidth_comparison_sign_means_the_same_as_the_halfwidth_one(runner, tmp_path):
    text = (CORPUS / "accepted-fullwidth-comparison-sign" / "input.yaml").read_text(encoding="utf-8")
    assert "≦200万元" in text
    halfwidth = tmp_path / "input.yaml"
    halfwidth.write_text(text.replace("≦", "≤"), encoding="utf-8")
    keyed = [{(f["rule"], f["subject"]["name"]): f["evidence"] for f in findings_of(runner, path)}
             for path in (CORPUS / "accepted-fullwidth-comparison-sign" / "input.yaml", halfwidth)]
    assert keyed[0].keys() == keyed[1].keys()
    # the report's own wording is quoted as written
    assert keyed[0][("indicator-review.target-exceeds-budget", "投入金额")]["年度指标值"] == "≦200万元"


# ---- generated: too large to commit, must stay bounded in time and memory -------------------------

MEMORY_LIMIT = 1 << 30  # address space for the child; an exploding parse fails instead of swapping
TIME_LIMIT = 20.0  # CPU seconds of the child: generous; each case takes well under 6 s alone


def run_perfaudit(args, cwd) -> tuple[subprocess.CompletedProcess, float]:
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return run_timed([str(PERFAUDIT), *args], cwd=cwd, timeout=120, preexec_fn=limit)


needs_script = pytest.mark.skipif(not PERFAUDIT.exists(), reason="the perfaudit script is not installed in .venv")


def assert_refused(done, elapsed, *words):
    assert_no_traceback(done.stdout, done.stderr)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stdout == ""
    assert elapsed < TIME_LIMIT, f"took {elapsed:.1f} s"
    for word in words:
        assert word in done.stderr, done.stderr[-2000:]


@needs_script
def test_50_mb_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write("department: 测试局\nyear: 2024\nprojects:\n".encode())
        chunk = "  - name: 项目\n    budget: {section: 表, full_year: 1.00}\n".encode() * 20_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    done, elapsed = run_perfaudit(["evaluate", "big.yaml", "--rules", str(RULES), "-o", "out.json"], tmp_path)
    assert_refused(done, elapsed, "big.yaml: 文件过大", "MiB", "事实文件按部门")
    assert not (tmp_path / "out.json").exists()


@needs_script
def test_alias_bomb_with_100000_aliases(tmp_path):
    lines = ['a: &a ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    lines += [f"{n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]" for p, n in zip("abcd", "bcde")]
    lines += ["f: [" + ", ".join(["*e"] * 100_000) + "]"]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done, elapsed = run_perfaudit(["evaluate", "bomb.yaml", "--rules", str(RULES)], tmp_path)
    assert_refused(done, elapsed, "bomb.yaml:2:8: 不支持 YAML 锚点/别名", "此后的别名不再逐一列出")
    assert done.stderr.count("不支持 YAML 锚点/别名") == 11  # ten located, then one summary


@needs_script
@pytest.mark.parametrize("text, where", [
    ("department: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml:1:77:"),
    ("".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "x: 1\n", "deep.yaml:65:129:"),
])
def test_very_deep_nesting(tmp_path, text, where):
    (tmp_path / "deep.yaml").write_text(text, encoding="utf-8")
    done, elapsed = run_perfaudit(["evaluate", "deep.yaml", "--rules", str(RULES)], tmp_path)
    assert_refused(done, elapsed, where, "嵌套层数过深(上限 64 层)")


@needs_script
def test_a_megabyte_of_blanks_inside_an_indicator_value(tmp_path):
    # "1<blanks>x" once took quadratic time in the indicator-value pattern (hours at this size)
    source = (CORPUS / "indicator-exponent" / "input.yaml").read_text(encoding="utf-8")
    text = source.replace('"≤2e2万元"', '"≤1' + " " * 1_000_000 + 'x' + " " * 1000 + 'y"')
    (tmp_path / "blanks.yaml").write_text(text, encoding="utf-8")
    done, elapsed = run_perfaudit(["evaluate", "blanks.yaml", "--rules", str(RULES)], tmp_path)
    assert_refused(done, elapsed, "blanks.yaml:23:17: 指标值", "的单位过长,无法识别")


@needs_script
@pytest.mark.parametrize("case, words", [
    ("gbk-encoded", ["input.yaml:1:13: 文件看起来是 GBK/GB18030 编码", "iconv -f GBK -t UTF-8"]),
    ("text-with-lone-surrogate", ["input.yaml:18:14: 文本含有无效的 Unicode 代理字符"]),
    ("billion-laughs", ["input.yaml:2:8: 不支持 YAML 锚点/别名"]),
    ("rule-not-chain", ["rules/probe.yaml:7:16: 表达式语法错误: 表达式嵌套过深"]),
    ("rule-too-complex", ["rules/probe.yaml:7:16: 条件过于复杂"]),
])
def test_the_installed_script_shows_no_traceback(case, words, tmp_path):
    work = prepare(case, tmp_path)
    done, elapsed = run_perfaudit(["evaluate", "input.yaml", "--rules", "rules", "-o", "out.json"], work)
    assert_refused(done, elapsed, *words)
    assert not (work / "out.json").exists()


# ---- the command line itself ----------------------------------------------------------------

def test_output_into_a_missing_folder_is_an_input_error(runner, tmp_path, monkeypatch):
    work = prepare("accepted-utf8-bom", tmp_path)
    monkeypatch.chdir(work)
    result = runner.invoke(cli, ["evaluate", "input.yaml", "--rules", "rules", "-o", "missing/out.json"])
    assert_no_traceback(result.stdout, result.stderr)
    assert result.exit_code == 2
    [got] = parse_diagnostics(result.stderr)
    assert got["file"] == "missing/out.json" and "无法写入输出文件" in got["message"]
    assert not (work / "missing").exists()


def test_dangling_link_in_a_facts_folder_is_named(runner, tmp_path, monkeypatch):
    work = prepare("accepted-utf8-bom", tmp_path)
    (work / "facts").mkdir()
    shutil.copy(work / "input.yaml", work / "facts" / "a.yaml")
    (work / "facts" / "b.yaml").symlink_to(work / "nowhere.yaml")
    monkeypatch.chdir(work)
    result = runner.invoke(cli, ["evaluate", "facts", "--rules", "rules"])
    assert result.exit_code == 2
    [got] = parse_diagnostics(result.stderr)
    assert got["file"] == "facts/b.yaml" and got["message"] == "符号链接指向的文件不存在"


def test_parser_of_this_file_reads_what_the_cli_renders():
    from engine.core.errors import Diagnostic, InputError

    text = InputError([Diagnostic("a.yaml", 3, 5, "x.y", "坏: 值", "期望的", "建议的"),
                       Diagnostic("b.yaml", 0, 0, "", "整个文件")]).render()
    assert parse_diagnostics(text) == [
        {"file": "a.yaml", "line": 3, "column": 5, "message": "坏: 值", "path": "x.y", "expected": "期望的",
         "suggestion": "建议的"},
        {"file": "b.yaml", "line": 0, "column": 0, "message": "整个文件", "path": "", "expected": "",
         "suggestion": ""}]

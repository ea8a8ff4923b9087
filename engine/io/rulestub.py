"""`perfaudit new-rule`: the files a new rule needs, as stubs an auditor fills in.

Three things every rule needs are written: the rule (with its condition `false`, so an unfilled rule reports
nothing on real reports), a source stub marked unverified (so `check` lists it until someone has read the
clause), and the four test cases every rule needs (fires, exact boundary, not fired, cannot evaluate). Each
case carries a `todo` line, which makes `perfaudit test` count it as failing and print what to fill in,
until the auditor deletes the line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..core.errors import Diagnostic, InputError

TODO = "待填写"
RULE_ID_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$"

_FACTS = {  # subject -> (lines of the inline facts of the test cases, valid as they stand; how an expectation names it)
    "report": (("projects: [{name: 甲项目}]",), ""),
    "project": (("projects: [{name: 甲项目, budget: {full_year: 100.00, executed: 50.00}}]",), ", project: 甲项目"),
    "indicator": (("projects: [{name: 甲项目, indicators: [{name: 指标甲, kind: 产出-数量, target: \"100\", "
                   "actual: \"90\"}]}]",), ", project: 甲项目"),
    "claim": (("projects: [{name: 甲项目}]", "claims: [{id: c01, text: 待填写的正文说法, measure: 项目个数, value: 1}]"),
              ""),
    "commitment": (("projects: [{name: 甲项目}]",
                    "commitments: [{id: k01, text: 待填写的整改承诺, kind: 其他, project: 甲项目}]"), ""),
}

_CASES = (  # name, what to fill in, expectation key, outcome
    ("应触发", "把事实改成规则应当报告问题的情形(如执行率 69.99%),在 expect 中写明 message_contains 或 evidence",
     "expect", ""),
    ("恰好在界线上", "把事实改成恰好在界线上的数值(如执行率恰好 70%),按政策原文决定界线上的数值算不算问题,"
     "相应写 expect 或 expect_not", "expect_not", ""),
    ("不触发", "把事实改成规则不应报告问题的情形(如执行率 70.01%)", "expect_not", ""),
    ("缺少数据时无法评估", "删去规则用到的某项数据(如全年执行),确认规则报告“无法评估”而不是通过", "expect",
     ", outcome: 无法评估"),
)


@dataclass(frozen=True)
class Stub:
    folder: str  # relative to the rules folder ("" or "tests")
    name: str
    text: str


def source_id(rule_id: str) -> str:
    return rule_id.replace(".", "-") + "-source"


def _q(text: str) -> str:
    """A YAML scalar read back verbatim (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def rule_text(rule_id: str, family: str, subject: str, severity: str) -> str:
    source = source_id(rule_id)
    return f"""\
# 新规则 {rule_id} 的草稿(perfaudit new-rule 生成)。凡写“{TODO}”的地方都要改:
#   1. sources:写明政策文件、文号和条款;核对过原文后把 verification 改为 primary(或 secondary/local)并填写 quote。
#      也可以删去这里的来源,在 cite 中改为引用 rules/sources.yaml 中已登记的来源和条款。
#   2. rules:写 title、condition(成立即报告问题的条件)、evidence(消息中用到的数值)和 message。
#      condition 现在是 false:填好之前,这条规则不会对任何报告报告问题。
#   3. 在 tests/{rule_id}.yaml 中填好四个测试用例,并删去每个用例的 todo 行;perfaudit test 全部通过后再使用。
# 写法见 docs/rules-format.md 和 docs/auditor-guide.md。

sources:
  - id: {source}
    title: {_q(TODO + ":政策文件名称")}
    doc_no: null  # {TODO}:文号,如 财预〔2020〕10号
    issuer: null  # {TODO}:发文机关
    date: null
    url: null
    clauses:
      - id: {_q(TODO + ":条款")}
        verification: unverified  # 未见原文;核对原文后改为 primary 并填写 quote
        note: {_q(TODO + ":条款内容摘要,以及到哪里核对原文")}

rules:
  - id: {rule_id}
    title: {_q(TODO + ":规则名称")}
    family: {family}
    severity: {severity}
    subject: {subject}
    condition: "false"  # {TODO}:成立即报告问题的条件,如 project.budget.executed / project.budget.full_year < param.exec_warning_line
    message: {_q(TODO + ":问题说明")}  # 可引用 evidence 中的数值,如 {{执行率:pct}}
    cite:
      - {{source: {source}, clause: {_q(TODO + ":条款")}}}
"""


def tests_text(rule_id: str, subject: str) -> str:
    facts, names = _FACTS[subject]
    out = [f"# 规则 {rule_id} 的测试(perfaudit new-rule 生成)。每条规则都需要这四个用例:触发、恰好在界线上、",
           "# 不触发、缺少数据时无法评估。用例中的 todo 行说明还要填写什么;写有 todo 的用例一律判为失败,",
           f"# 填好事实和期望后删去 todo 行。运行: perfaudit test -k {rule_id}", ""]
    for title, todo, key, outcome in _CASES:
        out += [f"- name: {_q(f'{rule_id} {title}')}",
                f"  todo: {_q(TODO + ':' + todo)}",
                "  year: 2024",
                "  facts:",
                *(f"    {line}" for line in facts),
                f"  {key}:",
                f"    - {{rule: {rule_id}{names}{outcome}}}",
                ""]
    return "\n".join(out)


def stubs(ruleset, rule_id: str, family: str, subject: str, severity: str) -> list[Stub]:
    """The three stub files; InputError when the id is taken (as a rule, or its stub source as a source)."""
    rule = next((r for r in ruleset.rules if r.id == rule_id), None)
    if rule is not None:
        raise InputError([Diagnostic(rule.location.file, rule.location.line, rule.location.column, "id",
                                     f"规则 {rule_id} 已存在", suggestion="换一个规则编号")])
    if source_id(rule_id) in ruleset.sources:
        raise InputError([Diagnostic("sources", 0, 0, source_id(rule_id), f"来源编号 {source_id(rule_id)} 已被使用",
                                     expected="规则编号对应的来源编号(. 换成 -,加 -source)未被登记",
                                     suggestion="换一个规则编号")])
    return [Stub("", f"{rule_id}.yaml", rule_text(rule_id, family, subject, severity)),
            Stub("tests", f"{rule_id}.yaml", tests_text(rule_id, subject))]

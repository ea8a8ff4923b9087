"""The evaluation budget: how many comprehension items the rules may visit for one report.

A valid facts file can still ask for a great deal of work: a rule about each claim that looks at every
claim of its report visits n² items (expr/joins.py answers the shipped rules from an index, but a rule
author can always write a quadratic rule). Every item a comprehension visits is counted against the
report whose subject is being evaluated, across all rules, before the items are materialised; a
report that goes over the limit is refused with a message naming it and the rule (exit 2), instead of
running for minutes and taking gigabytes.

The limit is DEFAULT_STEPS, or the environment variable PERFAUDIT_MAX_STEPS (a positive integer).
"""
from __future__ import annotations

import os

from .errors import Diagnostic, InputError

ENV = "PERFAUDIT_MAX_STEPS"
# The shipped rules visit a few hundred items per report of the benchmark corpus (227 at most, bench/generate.py
# --projects 2000) and 477 for facts/2024. Just under the limit a report costs about 10 s and 85 MB (700 claims
# each counting 700 projects, measured on 2 busy cores): the most one report may take.
DEFAULT_STEPS = 1_000_000


def configured_limit() -> int:
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_STEPS
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise InputError([Diagnostic(ENV, 0, 0, "", f"环境变量 {ENV} 的值 “{text}” 不是正整数",
                                     "每份报告允许的最大计算量(正整数)", f"删除该变量以使用默认值 {DEFAULT_STEPS}")])
    return limit


class BudgetExceeded(Exception):
    """A report went over the limit; `refusal(rule)` is the user's message once the rule is known."""

    def __init__(self, report, limit: int):
        super().__init__(f"{report!r} over {limit}")
        self.report, self.limit = report, limit

    def refusal(self, rule) -> InputError:
        report = self.report
        where = getattr(report, "file", "") or "事实文件"
        name = f"{getattr(report, 'department', '')} {getattr(report, 'year', '')} 年报告".strip()
        return InputError([Diagnostic(
            where, 0, 0, rule.id,
            f"{name}的计算量超过上限: 规则逐项查看列表元素已超过 {self.limit:,} 次"
            f"(求值到规则 {rule.id}「{rule.title}」时),已拒绝评估",
            "每份报告的规则求值在计算量上限之内",
            f"检查报告中是否有异常多的正文数据、项目或指标;确需评估时,设置环境变量 {ENV} 提高上限")])


class Budget:
    """Steps spent per report (by identity: the reports outlive the run that counts them)."""

    __slots__ = ("limit", "spent")

    def __init__(self, limit: int | None = None):
        self.limit = configured_limit() if limit is None else limit
        self.spent: dict = {}

    def spend(self, report, steps: int) -> None:
        total = self.spent.get(id(report), 0) + steps
        self.spent[id(report)] = total
        if total > self.limit:
            raise BudgetExceeded(report, self.limit)

    def spend_rows(self, reports: list, lengths) -> None:
        """spend(reports[i], lengths[i]) for every row, raising once the rows' sums are added."""
        spent = self.spent
        over = None
        for report, steps in zip(reports, lengths):
            if steps:
                key = id(report)
                total = spent[key] = spent.get(key, 0) + steps
                if total > self.limit and over is None:
                    over = report
        if over is not None:
            raise BudgetExceeded(over, self.limit)

"""Coverage of rule tests: which tests exercise each rule, and which branches (leaves of its
when/condition trees) no test ever made true or made false.

A test exercises a rule when it names the rule in `expect` or `expect_not`: a value that no
expectation checks is not tested. A leaf of `condition` counts only where the rule applied
(its `when` held), since elsewhere the condition decides nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from .backends.python import decide
from .compile import Program, leaves_of
from .evaluate import leaf_values, params_for
from .expr.ast import to_source
from .expr.evaluate import Evaluator
from .model import Location
from .subjects import subjects_of


@dataclass(frozen=True)
class LeafCoverage:
    index: int
    part: str  # when / condition
    text: str
    made_true: bool
    made_false: bool

    @property
    def covered(self) -> bool:
        return self.made_true and self.made_false


@dataclass(frozen=True)
class RuleCoverage:
    rule: str
    title: str
    location: Location
    tests: tuple  # (file, case name) of the tests naming the rule
    leaves: tuple  # LeafCoverage

    @property
    def gaps(self) -> tuple:
        return tuple(leaf for leaf in self.leaves if not leaf.covered)


def observe(program: Program, reports, rule_ids) -> set:
    """(rule id, leaf index, value) for every leaf value the named rules took on these reports."""
    wanted = set(rule_ids)
    seen = set()
    for report in reports:
        scope = program.ruleset.scope_of(report)
        params = params_for(program.ruleset, scope)
        for subject in subjects_of(report):
            for compiled in program.for_subject(subject.kind, scope):
                if compiled.rule.id not in wanted:
                    continue
                values = leaf_values(compiled, Evaluator(subject.scope, params, report.year))
                applies = decide(compiled.when, values) if compiled.when is not None else True
                when_leaves = {leaf.index for leaf in leaves_of(compiled.when)} if compiled.when is not None else set()
                for leaf in compiled.leaves:
                    if leaf.index not in when_leaves and applies is not True:
                        continue
                    value = decide(leaf, values)
                    if value is not None:
                        seen.add((compiled.rule.id, leaf.index, value))
    return seen


def coverage(program: Program, results) -> tuple:
    """RuleCoverage for every rule, rules no test names first, then in rule id order."""
    tests: dict = {c.rule.id: [] for c in program.rules}
    seen = set()
    for result in results:
        for rule in result.case.rules:
            if rule in tests:
                tests[rule].append((result.case.file, result.case.name))
        seen |= result.observed
    out = []
    for compiled in program.rules:
        rid = compiled.rule.id
        when = {leaf.index for leaf in leaves_of(compiled.when)} if compiled.when is not None else set()
        leaves = tuple(LeafCoverage(leaf.index, "when" if leaf.index in when else "condition", to_source(leaf.node),
                                    (rid, leaf.index, True) in seen, (rid, leaf.index, False) in seen)
                       for leaf in compiled.leaves)
        out.append(RuleCoverage(rid, compiled.rule.title, compiled.rule.location, tuple(tests[rid]), leaves))
    out.sort(key=lambda r: (bool(r.tests), r.rule))
    return tuple(out)


def render_coverage(report: tuple) -> str:
    untested = [r for r in report if not r.tests]
    lines = ["覆盖率", "=" * 60, f"没有任何测试的规则({len(untested)} 条):"]
    lines += [f"  {r.rule}  {r.title}  ({r.location.file}:{r.location.line})" for r in untested] or ["  (无)"]
    for r in report:
        if not r.tests:
            continue
        lines.append("")
        lines.append(f"{r.rule}  {r.title}")
        lines.append(f"  测试({len(r.tests)} 个):")
        for file, group in groupby(r.tests, key=lambda t: t[0]):
            lines.append(f"    {file}: " + ";".join(name for _, name in group))
        if not r.gaps:
            lines.append(f"  分支全部覆盖: {len(r.leaves)} 个分支都被测到成立和不成立")
            continue
        lines.append(f"  未覆盖的分支({len(r.gaps)}/{len(r.leaves)}):")
        for leaf in r.gaps:
            missing = "成立和不成立" if not (leaf.made_true or leaf.made_false) else (
                "成立" if not leaf.made_true else "不成立")
            lines.append(f"    {leaf.part}: {leaf.text}  —— 从未{missing}")
    leaves = [leaf for r in report for leaf in r.leaves]
    covered = sum(1 for leaf in leaves if leaf.covered)
    lines.append("")
    lines.append(f"规则 {len(report)} 条,有测试 {len(report) - len(untested)} 条;"
                 f"分支 {len(leaves)} 个,成立和不成立都被测到 {covered} 个。")
    return "\n".join(lines) + "\n"

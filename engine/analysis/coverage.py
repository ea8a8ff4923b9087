"""Coverage of rule tests: which tests exercise each rule, and which branches (leaves of its
when/condition trees) no test ever made true or made false.

A test exercises a rule when it names the rule in `expect` or `expect_not`: a value that no
expectation checks is not tested. A leaf of `condition` counts only where the rule applied
(its `when` held), since elsewhere the condition decides nothing.

Each value of a parameter (one per year it changes) is something to cover too: a test covers it when
it names a rule using the parameter and evaluates a report of a year in which that value is in force.
Otherwise deleting every test of the 2024 warning line would leave coverage unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import groupby

from ..backends.python import decide_column
from ..construct.compile import Program, leaves_of
from ..core.model import Location
from ..expr.ast import to_source
from ..run.evaluate import by_scope, params_for


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


@dataclass(frozen=True)
class ParameterCoverage:
    name: str
    title: str
    year: int  # the year this value comes into force
    location: object  # Location of the value
    tests: tuple  # (file, case name)

    @property
    def covered(self) -> bool:
        return bool(self.tests)


def observe(program: Program, reports, rule_ids) -> set:
    """(rule id, leaf index, value) for every leaf value the named rules took on these reports.

    The leaves are the columns the evaluate stage computes (operands.rule_batches), which leave a condition
    uncomputed where `when` is false: a condition leaf counts only where the rule applied anyway."""
    from ..run.operands import rule_batches

    wanted = set(rule_ids)
    seen = set()
    for scope, group in by_scope(program.ruleset, reports).items():
        with localcontext(prec=34):  # the expressions' precision (expr/semantics.py)
            batches = rule_batches(program, group, params_for(program.ruleset, scope), scope, wanted=wanted)
        for batch in batches:
            compiled = batch.compiled
            rid = compiled.rule.id
            applies = decide_column(compiled.when, batch.columns) if compiled.when is not None else None
            when_leaves = {leaf.index for leaf in leaves_of(compiled.when)} if compiled.when is not None else set()
            for leaf in compiled.leaves:
                rows = decide_column(leaf, batch.columns)
                if leaf.index not in when_leaves and applies is not None:
                    rows = [value for value, held in zip(rows, applies) if held is True]
                seen.update((rid, leaf.index, value) for value in set(rows) if value is not None)
    return seen


def coverage(program: Program, results, rule_ids=None) -> tuple:
    """RuleCoverage for every rule (or those named in rule_ids), rules no test names first, then in
    rule id order."""
    tests: dict = {c.rule.id: [] for c in program.rules}
    for result in results:
        for rule in result.case.rules:
            if rule in tests:
                tests[rule].append((result.case.file, result.case.name))
    seen = set().union(*(result.observed for result in results))
    out = []
    for compiled in program.rules:
        rid = compiled.rule.id
        if rule_ids is not None and rid not in rule_ids:
            continue
        when = {leaf.index for leaf in leaves_of(compiled.when)} if compiled.when is not None else set()
        leaves = tuple(LeafCoverage(leaf.index, "when" if leaf.index in when else "condition", to_source(leaf.node),
                                    (rid, leaf.index, True) in seen, (rid, leaf.index, False) in seen)
                       for leaf in compiled.leaves)
        out.append(RuleCoverage(rid, compiled.rule.title, compiled.rule.location, tuple(tests[rid]), leaves))
    return tuple(sorted(out, key=lambda r: (bool(r.tests), r.rule)))


def parameter_coverage(program: Program, results, rule_ids=None) -> tuple:
    """ParameterCoverage for every value (not an ending null) of each parameter that the rules (or those
    named in rule_ids) use, in parameter name and year order."""
    rules = {c.rule.id: c for c in program.rules if rule_ids is None or c.rule.id in rule_ids}
    parameters = program.ruleset.parameters
    # (parameter name, index of the value) -> tests using it; each value (year, jurisdiction)
    tests = {(name, k): [] for compiled in rules.values() for name in compiled.params_used if name in parameters
             for k, entry in enumerate(parameters[name].values) if entry.value is not None}
    for result in results:
        case = (result.case.file, result.case.name)
        scopes = {program.ruleset.scope_of(report) for report in result.case.reports}
        in_force = [(compiled, scope) for compiled in map(rules.get, result.case.rules) if compiled is not None
                    for scope in scopes if program.in_force(compiled, scope)]
        for compiled, scope in in_force:
            for name in compiled.params_used:
                tested = tests.get((name, parameters[name].values.index(parameters[name].value_for(scope))))
                if tested is not None and case not in tested:
                    tested.append(case)
    return tuple(ParameterCoverage(name, parameters[name].title, parameters[name].values[k].year,
                                   parameters[name].values[k].location, tuple(tested))
                 for (name, k), tested in sorted(tests.items()))


def coverage_counts(report: tuple, parameters: tuple = ()) -> dict:
    """Covered and total per kind (rules with a test, branches made true and false, parameter values
    tested), and their overall percentage (100 when there is nothing to cover)."""
    leaves = [leaf for r in report for leaf in r.leaves]
    counts = {"rules": (sum(1 for r in report if r.tests), len(report)),
              "branches": (sum(1 for leaf in leaves if leaf.covered), len(leaves)),
              "parameter_values": (sum(1 for p in parameters if p.covered), len(parameters))}
    covered = sum(c for c, _ in counts.values())
    total = sum(t for _, t in counts.values())
    counts["percent"] = Decimal(100) if not total else (Decimal(100) * covered / total).quantize(Decimal("0.1"))
    return counts


def render_coverage(report: tuple, parameters: tuple = ()) -> str:
    untested = [r for r in report if not r.tests]
    lines = ["覆盖率", "=" * 60, f"没有任何测试的规则({len(untested)} 条):"]
    lines += [f"  {r.rule}  {r.title}  ({r.location.file}:{r.location.line})" for r in untested] or ["  (无)"]
    for r in report:
        if not r.tests:
            continue
        lines += ["", f"{r.rule}  {r.title}", f"  测试({len(r.tests)} 个):"]
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
    untested_values = [p for p in parameters if not p.covered]
    if parameters:
        lines += ["", f"没有测试用到的参数取值({len(untested_values)}/{len(parameters)} 个):"]
        lines += [f"  {p.name}  {p.title}  {p.year} 年起的取值  ({p.location.file}:{p.location.line})"
                  for p in untested_values] or ["  (无)"]
    counts = coverage_counts(report, parameters)
    lines += ["", f"规则 {len(report)} 条,有测试 {len(report) - len(untested)} 条;"
                  f"分支 {counts['branches'][1]} 个,成立和不成立都被测到 {counts['branches'][0]} 个;"
                  f"参数取值 {len(parameters)} 个,有测试用到 {len(parameters) - len(untested_values)} 个。",
              f"覆盖率 {counts['percent']}%"]
    return "\n".join(lines) + "\n"

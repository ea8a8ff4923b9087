"""Compile stage: checked rules -> a backend-neutral program (the IR both backends run).

A rule's `when` and `condition` become a boolean tree whose leaves are comparisons
(or boolean-valued sub-expressions). The leaves' operands are ordinary expressions,
computed exactly in Python; the boolean tree itself is what a backend decides.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.catalog import NUM, STR, SUBJECT_SCOPES
from ..core.model import ReportScope, Rule, RuleSet
from ..expr import ast as A
from ..expr import parse
from ..expr.check import Checker

ORDERING = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Leaf:
    index: int
    node: A.Node  # the comparison (or boolean expression) as written
    op: str | None  # comparison operator, or None for a boolean-valued expression
    left: A.Node | None
    right: A.Node | None


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    when: object | None  # boolean tree, or None when the rule always applies
    condition: object
    leaves: tuple  # every Leaf of when and condition, indexed by Leaf.index
    evidence: tuple  # (label, node)
    params_used: tuple


@dataclass(frozen=True)
class Program:
    ruleset: RuleSet
    rules: tuple  # CompiledRule, in rule id order

    def for_subject(self, subject: str, scope: ReportScope) -> list:
        return [r for r in self.rules if r.rule.subject == subject and self.in_force(r, scope)]

    def in_force(self, compiled: CompiledRule, scope: ReportScope) -> bool:
        """In force for a report: the rule's effective years cover its year, the rule's jurisdiction covers
        it, and every parameter the rule reads has a value there. A parameter without a value (an older
        year, a null that ended it) takes the rule out of force for that report instead of refusing the
        report; the run summary lists such rules (`not_in_force`)."""
        return self.applies(compiled, scope) and not self.missing_parameters(compiled, scope)

    def applies(self, compiled: CompiledRule, scope: ReportScope) -> bool:
        rule = compiled.rule
        return rule.in_force(scope.year) and rule.jurisdiction in scope.jurisdictions

    def missing_parameters(self, compiled: CompiledRule, scope: ReportScope) -> tuple:
        parameters = self.ruleset.parameters
        return tuple(name for name in compiled.params_used if parameters[name].value_for(scope) is None)

    def not_in_force(self, scope: ReportScope) -> tuple:
        """(rule id, parameters without a value) for each rule that would apply to reports of this scope
        but for its parameters: what the run summary and explain report as 未适用."""
        return tuple((c.rule.id, missing) for c in self.rules
                     if self.applies(c, scope) and (missing := self.missing_parameters(c, scope)))


_PROGRAMS_KEPT = 4
_programs: dict = {}  # repr of a RuleSet -> its Program, the last _PROGRAMS_KEPT compiled


def compile_rules(ruleset: RuleSet) -> Program:
    """The program of `ruleset`, shared with earlier calls on a rule set of the same content: every in-process
    run (perfaudit test's cases, the CLI tests) loads the same rules again, and the caches keyed by program
    (column plan, finding plans, durable layout) then hit as well. The key is the rule set's repr, which
    writes out every rule, parameter value (Decimal as written) and location (the file as shown), so an
    edit to a rule file changes it whatever the file's mtime; checked again on a hit, in case someone
    changed a cached rule set's dicts in place."""
    key = repr(ruleset)
    program = _programs.pop(key, None)
    if program is None or repr(program.ruleset) != key or " at 0x" in key:
        param_types = {name: p.type for name, p in ruleset.parameters.items()}
        program = Program(ruleset, tuple(_compile_rule(rule, param_types) for rule in ruleset.rules))
    _programs[key] = program  # the most recently used last
    while len(_programs) > _PROGRAMS_KEPT:
        del _programs[next(iter(_programs))]
    return program


def _compile_rule(rule: Rule, param_types) -> CompiledRule:
    checker = Checker(SUBJECT_SCOPES[rule.subject], param_types)
    leaves: list[Leaf] = []

    def tree(node):
        if isinstance(node, A.Logic):
            kind = And if node.op == "and" else Or
            return kind(tuple(tree(i) for i in node.items))
        if isinstance(node, A.Not):
            return Not(tree(node.operand))
        if isinstance(node, A.Compare) and node.op in ORDERING and (
                {checker.check(node.left), checker.check(node.right)} <= {NUM, STR, "any"}):
            leaf = Leaf(len(leaves), node, node.op, node.left, node.right)
        else:
            leaf = Leaf(len(leaves), node, None, None, None)
        leaves.append(leaf)
        return leaf

    when = tree(parse(rule.when)) if rule.when else None
    condition = tree(parse(rule.condition))
    evidence = tuple((label, parse(text)) for label, text in rule.evidence)
    for text in (rule.when, rule.condition, *(text for _, text in rule.evidence)):
        if text:
            checker.check(parse(text))  # every parameter read, for params_used (parse answers from its cache)
    return CompiledRule(rule, when, condition, tuple(leaves), evidence, tuple(sorted(checker.params_used)))


def leaves_of(tree) -> list:
    if isinstance(tree, Leaf):
        return [tree]
    if isinstance(tree, Not):
        return leaves_of(tree.item)
    return [leaf for item in tree.items for leaf in leaves_of(item)]


# The tightest limit of any backend on one rule: durable_rules keeps at most 31 entries in a rule's
# expression sequence (MAX_SEQUENCE_EXPRESSIONS 32; error 113 when the ruleset is created). The
# encoding in backends/durable.py spends 2 entries on every and/or (its own and the rule's
# top-level $and) and 2 on every comparison (the $and around its $ex guards); a boolean leaf is
# a constant test and costs nothing. Rules over the limit are refused for every backend, so the
# backends cannot disagree; tests/test_durable_failures.py pins both sides of the limit.
MAX_RULE_COST = 31


def rule_cost(compiled: CompiledRule) -> int:
    def cost(tree) -> int:
        if isinstance(tree, Leaf):
            return 0 if tree.op is None else 2
        if isinstance(tree, Not):
            return cost(tree.item)
        return 2 + sum(cost(item) for item in tree.items)

    return 2 + (cost(compiled.when) if compiled.when is not None else 0) + cost(compiled.condition)

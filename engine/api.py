"""The small Python API behind the CLI, for people who embed the engine.

    from engine import load_rules, load_facts, evaluate
    ruleset = load_rules("rules")
    reports = load_facts(["facts/2024"])
    result = evaluate(ruleset, reports)          # Evaluation with .findings (Finding dataclasses)
"""
from __future__ import annotations

import hashlib

from .compile import Program, compile_rules
from .evaluate import Evaluation
from .evaluate import evaluate as _evaluate
from .facts import expand_paths
from .facts import load_facts as _load_facts
from .model import Report, RuleSet
from .rules import load_rules as _load_rules


def load_rules(rules_dir="rules") -> RuleSet:
    """Load, schema-validate and statically check every rule file; raises InputError."""
    return _load_rules(rules_dir)


def load_facts(paths) -> list[Report]:
    """Load and validate facts files or folders; raises InputError."""
    return _load_facts(paths)


def facts_digest(paths) -> str:
    files, _ = expand_paths(paths)
    digests = sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in files)
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]


def compile(ruleset: RuleSet) -> Program:  # noqa: A001 - the stage's name
    return compile_rules(ruleset)


def evaluate(ruleset: RuleSet | Program, reports, backend: str = "auto", facts_hash: str = "") -> Evaluation:
    """Evaluate reports; backend is 'auto' (durable_rules where it imports), 'durable' or 'python'."""
    program = ruleset if isinstance(ruleset, Program) else compile_rules(ruleset)
    return _evaluate(program, list(reports), backend, facts_hash)

"""Kleene (three-valued) truth of a compiled rule as sums of products over leaf atoms.

A leaf is true, false or unknown; an atom is (leaf index, state). `dnf(tree, state)` gives the
conjunctions of atoms (terms) whose disjunction holds exactly when `tree` has that state under
`backends.python.decide`. The durable adapter turns every term into one durable rule whose
condition is a plain chain of single-property tests, so a rule matches only for a finding:
FIRED = T(when) and T(condition); UNKNOWN = U(when) or (T(when) and U(condition)).
No durable_rules import here: tests check these sums against `decide` without it.
"""
from __future__ import annotations

from ..construct.compile import And, Leaf, Not

T, F, U = "T", "F", "U"
MAX_TERMS = 48  # a rule with more terms for an outcome is decided the three-outcome way instead (the default
# `limit` of finding_terms: an argument, so that a test's smaller limit cannot outlive the test in a cached layout)


class TooManyTerms(Exception):
    pass


def _product(left: list, right: list, limit: int) -> list:
    # a pair with one leaf in two states is left out: the term can never hold
    return _simplify([{**a, **b} for a in left for b in right if all(a.get(i, s) == s for i, s in b.items())], limit)


def _simplify(terms: list, limit: int) -> list:
    if len(terms) > 16 * limit:
        raise TooManyTerms
    unique: dict = {}  # each distinct term's first copy, in order
    for term in terms:
        unique.setdefault(frozenset(term.items()), term)
    kept, kept_keys = [], []
    # absorption: a term containing a shorter kept one adds nothing
    for key, term in sorted(unique.items(), key=lambda item: len(item[0])):
        if not any(other <= key for other in kept_keys):
            kept_keys.append(key)
            kept.append(term)
    if len(kept) > limit:
        raise TooManyTerms
    return kept


def dnf(tree, state: str, limit: int = MAX_TERMS) -> list:
    """[{leaf index: state}] whose disjunction is `tree has `state``; TooManyTerms past `limit` terms."""
    if isinstance(tree, Leaf):
        return [{tree.index: state}]
    if isinstance(tree, Not):
        return dnf(tree.item, {T: F, F: T, U: U}[state], limit)
    # for And the deciding value is F, for Or it is T; the other one needs every item
    decisive, total = (F, T) if isinstance(tree, And) else (T, F)
    items = tree.items
    if state == decisive:
        return _simplify([term for item in items for term in dnf(item, decisive, limit)], limit)
    if state == total:
        out = [{}]
        for item in items:
            out = _product(out, dnf(item, total, limit), limit)
        return out
    # unknown: no item decisive, at least one unknown; split on the first unknown item
    out = []
    for k, item in enumerate(items):
        part = dnf(item, U, limit)
        for j, other in enumerate(items):
            if j == k:
                continue
            allowed = dnf(other, total, limit) if j < k else _simplify(
                dnf(other, total, limit) + dnf(other, U, limit), limit)
            part = _product(part, allowed, limit)
        out.extend(part)
    return _simplify(out, limit)


def finding_terms(compiled, limit: int = MAX_TERMS):
    """(fired terms, unknown terms) of a compiled rule, or None when they would be more than `limit`."""
    try:
        if compiled.when is None:
            return dnf(compiled.condition, T, limit), dnf(compiled.condition, U, limit)
        when_true = dnf(compiled.when, T, limit)
        fired = _product(when_true, dnf(compiled.condition, T, limit), limit)
        unknown = _simplify(dnf(compiled.when, U, limit) + _product(when_true, dnf(compiled.condition, U, limit),
                                                                     limit), limit)
        return fired, unknown
    except TooManyTerms:
        return None

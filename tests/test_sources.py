"""The sources registry never presents unverified wording as a quote, and every quote is verbatim.

Quotes are checked against the research notes (shared/research/policy.md) and the examples' scoring notes
(shared/examples/scoring-notes.md), where each verified wording was transcribed with its source, and against
the seed report itself.
"""
from __future__ import annotations

import pytest

from .conftest import ROOT, SEED

SHARED = ROOT.parent / "shared"
POLICY_NOTES = SHARED / "research" / "policy.md"
SCORING_NOTES = SHARED / "examples" / "scoring-notes.md"
VERIFIED = ("primary", "secondary", "local")


def all_clauses(ruleset):
    return [(source, clause) for source in ruleset.sources.values() for clause in source.clauses.values()]


def test_verified_clauses_have_a_quote_and_where_it_was_seen(ruleset):
    for source, clause in all_clauses(ruleset):
        if clause.verification in VERIFIED:
            assert clause.quote and clause.quote.strip(), (source.id, clause.id)
            assert clause.seen_at, (source.id, clause.id)


def test_unverified_clauses_have_no_quote(ruleset):
    unverified = [(s, c) for s, c in all_clauses(ruleset) if c.verification == "unverified"]
    for source, clause in unverified:
        assert clause.quote is None, (source.id, clause.id)


def test_every_cited_clause_is_registered(ruleset):
    refs = [ref for rule in ruleset.rules for ref in rule.citations]
    refs += [ref for p in ruleset.parameters.values() for v in p.values for ref in v.citations]
    for ref in refs:
        assert ref.clause in ruleset.sources[ref.source].clauses, ref


def fragments(quote: str) -> list[str]:
    """A quote may elide text with "…" and join separate passages with " / "."""
    parts = []
    for passage in quote.split(" / "):
        parts.extend(piece.strip() for piece in passage.split("…"))
    return [p for p in parts if p]


@pytest.fixture(scope="module")
def reference_text():
    if not POLICY_NOTES.is_file() or not SCORING_NOTES.is_file() or not SEED.is_file():
        pytest.skip(f"shared research notes or seed report not found under {SHARED} "
                    "(the repository is checked out without its sibling shared/ folder)")
    return "\n".join(path.read_text(encoding="utf-8") for path in (POLICY_NOTES, SCORING_NOTES, SEED))


def test_every_quote_occurs_verbatim(ruleset, reference_text):
    checked = 0
    for source, clause in all_clauses(ruleset):
        if not clause.quote:
            continue
        for piece in fragments(clause.quote):
            assert piece in reference_text, f"{source.id}/{clause.id}: not found verbatim: {piece}"
            checked += 1
    assert checked >= 15


def test_quotes_from_the_seed_are_in_the_seed(ruleset, reference_text):
    seed = SEED.read_text(encoding="utf-8")
    for source, clause in all_clauses(ruleset):
        if clause.seen_at and clause.seen_at.endswith(SEED.name):
            for piece in fragments(clause.quote):
                assert piece in seed, f"{source.id}/{clause.id}: {piece}"


def test_fragment_splitting():
    assert fragments("甲。 / 乙。") == ["甲。", "乙。"]
    assert fragments("主要职责：… （二）实施绩效监控；… （四）报送。") == ["主要职责：", "（二）实施绩效监控；", "（四）报送。"]

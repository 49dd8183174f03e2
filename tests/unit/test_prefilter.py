"""The test that skips regex searches which cannot succeed: it must never skip one that would."""

from __future__ import annotations

import re

import pytest

from safety.evaluate import HELD_OUT_DIR, TRAINING_DIR, load_examples
from safety.lexicon import RISK_CATEGORIES, load_lexicon, normalise
from safety.prefilter import PatternSet, required_text
from safety.scope import clauses as split_clauses


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"kill(ing)? myself", (" myself",)),
        (r"suicid\w*", ("suicid",)),
        # One alternative matches, so any of them will do; "hitting" holds "hit".
        (r"(hits?|hitting|beats?) (him|her)", ("beat", "hit")),
        # Words of three letters or more beat " to ", which is in most messages.
        (r"(want|need) to (die|be dead)", ("need", "want")),
        # Optional parts and character classes promise nothing.
        (r"(i'm )?\w+", ()),
    ],
)
def test_it_finds_the_text_every_match_needs(pattern: str, needs: tuple[str, ...]) -> None:
    assert required_text(pattern) == needs


def test_it_offers_the_patterns_that_could_match_in_their_own_order() -> None:
    patterns = PatternSet.build([r"kill myself", r"\w+", r"want to die"], re.compile)
    assert [p.pattern for p in patterns.candidates("i want to die")] == [r"\w+", "want to die"]


def test_it_never_skips_a_pattern_that_matches_a_labelled_message() -> None:
    lexicon = load_lexicon()
    clauses = {
        clause
        for example in load_examples(TRAINING_DIR) + load_examples(HELD_OUT_DIR)
        for clause, _ in split_clauses(normalise(example.text))
    }
    skipped = [
        (category, pattern.pattern, clause)
        for category in RISK_CATEGORIES
        for clause in clauses
        for pattern in lexicon.categories[category].patterns
        if pattern.search(clause) and pattern not in lexicon.categories[category].candidates(clause)
    ]
    assert len(clauses) > 2000
    assert skipped == []

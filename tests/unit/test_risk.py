"""The deterministic risk detector: what it must catch, and what it must leave alone."""

from __future__ import annotations

import pytest

from safety import assess_risk
from safety.evaluate import TRAINING_DIR, evaluate, load_examples
from safety.lexicon import with_terms


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("I want to kill myself", "self"),
        ("im gonna kms tonight", "self"),
        ("gonna top myself", "self"),
        ("ngl i want to die", "self"),
        ("Everyone would be better off without me", "self"),
        ("I've taken 20 sleeping tablets", "self"),
        ("I'm going to stab him", "others"),
        ("If I see him I'll kill him", "others"),
        ("my partner hits me", "from_others"),
        ("they're making me carry drugs", "from_others"),
    ],
)
def test_it_finds_risk(text: str, risk: str) -> None:
    assert assess_risk(text).risk == risk


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal",
        "suicidal? no",
        "I tried to kill myself years ago but I'm fine now",
        "I'm just killing time before court",
        "my phone is dying",
        "I'd kill for a brew",
        "my mum will kill me if I miss the bus",
        "I've been charged with assault",
        "I was arrested for threatening to kill my neighbour",
        "my cousin self harms and I'm worried about her",
        "",
    ],
)
def test_it_leaves_negations_history_idioms_and_offences_alone(text: str) -> None:
    assert assess_risk(text).risk == "none"


def test_a_denial_in_one_clause_does_not_hide_risk_in_the_next() -> None:
    assert assess_risk("I'm not ok, I want to kill myself").risk == "self"


def test_a_clause_that_is_only_a_past_time_dates_the_clause_before_it() -> None:
    assert assess_risk("I overdosed once, a long time ago").risk == "none"
    # A past time that says more than when is not a dating: the risk before it stands.
    assert assess_risk("I want to die, I used to be happy").risk == "self"


def test_a_named_list_serves_every_pattern_that_uses_it() -> None:
    # {medicine} holds the medicines once; each overdose pattern uses it.
    assert assess_risk("I've taken the whole box of co-codamol").risk == "self"
    assert assess_risk("I've swallowed 40 sertraline").risk == "self"
    assert assess_risk("I took too many of my citalopram").risk == "self"


def test_a_pattern_naming_a_list_that_does_not_exist_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no term \{remedy\}"):
        with_terms("taken all my {remedy}", {"medicine": "pills"})


def test_self_is_reported_first_when_there_is_more_than_one_risk() -> None:
    found = assess_risk("my partner hits me and I want to kill myself")
    assert found.risk == "self"
    assert found.categories == ("self", "from_others")
    assert found.evidence == ("kill myself", "hits me")


def test_it_meets_its_targets_on_the_development_set() -> None:
    report = evaluate(load_examples(TRAINING_DIR), repeats=1)
    assert report.scores.total >= 400
    # Hard negatives are a third or more of what is not everyday: the ordinary messages
    # the net learns calm from are many, and must not dilute how hard the set is.
    assert report.scores.hard_negatives * 3 >= report.scores.total - report.scores.everyday
    assert report.scores.explicit_self_recall == 1.0, report.scores.misses
    assert report.scores.any_risk_recall >= 0.97, report.scores.misses
    assert report.scores.hard_negative_false_alarms <= 0.05, report.scores.false_alarms

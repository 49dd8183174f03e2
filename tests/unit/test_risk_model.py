"""The learned second net: it adds what the rules miss and never clears what they find."""

from __future__ import annotations

from dataclasses import replace

import pytest

from safety import assess_risk
from safety.evaluate import EVAL_DIR, load_examples, score
from safety.learned.evaluate import cross_validated
from safety.learned.model import THRESHOLD, default_model
from tests.support.spoken import SPOKEN
from webhooks.dev.scripted import demo_answers


def test_it_catches_a_phrasing_the_rules_miss() -> None:
    text = "I want my existence to be over"
    assert assess_risk(text).risk == "none"
    found = default_model().add_to(assess_risk(text))
    assert found.risk == "self"
    assert found.evidence[0].startswith("learned model (")


def test_it_never_clears_what_the_rules_found() -> None:
    ruled = assess_risk("I'm going to kill myself")
    assert default_model().add_to(ruled) is ruled


def test_it_leaves_every_demo_answer_alone() -> None:
    # A whole referral's ordinary answers, typed or spoken: none may read as risk.
    for answers in (demo_answers("self"), demo_answers("professional"), SPOKEN):
        for question, text in answers.items():
            assert default_model().add_to(assess_risk(text)).risk == "none", (question, text)


def test_it_leaves_everyday_messages_alone() -> None:
    for text in ("hello", "Sam Jones", "03/04/1991", "yes", "what time do you open?"):
        assert default_model().add_to(assess_risk(text)).risk == "none"


def test_its_threshold_keeps_false_alarms_down_in_cross_validation() -> None:
    examples = load_examples(EVAL_DIR)
    scores = score(examples, cross_validated(examples, THRESHOLD))
    assert scores.hard_negative_false_alarms <= 0.05
    assert scores.any_risk_recall >= 0.95
    # Ordinary messages ("he's picking me up at five") once set the net off one time in
    # two; 14% when round 29 was added. This keeps it from sliding back.
    assert scores.everyday_false_alarms <= 0.15, [e.text for e in scores.false_alarms]


@pytest.mark.parametrize(
    "answer", ["Myself", "me", "for me", "yes", "no thanks", "1", "1 and 5", "2, 3 and 4"]
)
def test_the_learned_net_leaves_short_form_answers_to_the_rules(answer: str) -> None:
    assert default_model().add_to(assess_risk(answer)).risk == "none"


def test_the_rules_still_catch_a_short_message_the_learned_net_skips() -> None:
    assert default_model().add_to(assess_risk("kms")).risk == "self"


def test_it_must_be_surer_where_the_rules_saw_a_negation() -> None:
    # "won't" is a negation cue, yet this is risk: the net still reads it, at a higher bar.
    text = "he won't leave me alone and keeps turning up at my door"
    ruled = assess_risk(text)
    assert ruled.guarded and ruled.risk == "none"
    assert default_model().add_to(ruled).risk == "from_others"
    never_when_guarded = replace(default_model(), guarded_threshold=1.01)
    assert never_when_guarded.add_to(ruled).risk == "none"

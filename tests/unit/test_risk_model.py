"""The learned second net: it adds what the rules miss and never clears what they find."""

from __future__ import annotations

from dataclasses import replace

import pytest

from safety import RiskAssessment, assess_risk
from safety.evaluate import Example, score
from safety.learned.evaluate import missed_targets
from safety.learned.model import GUARDED_THRESHOLD, THRESHOLD, default_model
from tests.support.spoken import SPOKEN
from webhooks.dev.scripted import demo_answers


def test_it_catches_a_phrasing_the_rules_miss() -> None:
    text = "I want my existence to be over"
    assert assess_risk(text).risk == "none"
    found = default_model().add_to(assess_risk(text))
    assert found.ask == "self"
    assert found.evidence[0].startswith("learned model (")


def test_it_never_clears_what_the_rules_found() -> None:
    ruled = assess_risk("I'm going to kill myself")
    assert default_model().add_to(ruled) is ruled


def test_it_leaves_every_demo_answer_alone() -> None:
    # A whole referral's ordinary answers, typed or spoken: none may read as risk.
    for answers in (demo_answers("self"), demo_answers("professional"), SPOKEN):
        for question, text in answers.items():
            assert _untouched(text), (question, text)


def test_it_leaves_everyday_messages_alone() -> None:
    for text in ("hello", "Sam Jones", "03/04/1991", "yes", "what time do you open?"):
        assert _untouched(text)


def test_it_names_each_cross_validated_target_it_misses() -> None:
    # The cross-validation itself (five trainings) runs in `make eval-risk`, which exits 1
    # on these lines; here, only that a miss is seen and said.
    examples = [
        Example("self", frozenset({"explicit"}), "a"),
        Example("none", frozenset({"negation"}), "b"),
        Example("none", frozenset({"plan"}), "c"),
    ]

    def all_read_as(risk: str) -> list[RiskAssessment]:
        categories = () if risk == "none" else (risk,)
        return [RiskAssessment(e.text, risk, categories) for e in examples]

    right = [RiskAssessment("a", "self", ("self",)), *all_read_as("none")[1:]]
    assert missed_targets(score(examples, right)) == []
    assert missed_targets(score(examples, all_read_as("none"))) == [
        "explicit self-harm/suicide acted on at once 0.0%, target at least 100%",
        "any risk acted on or checked 0.0%, target at least 97%",
    ]
    assert missed_targets(score(examples, all_read_as("self"))) == [
        "urgent false alarms, hard negatives 100.0%, target at most 5%",
        "urgent false alarms, everyday messages 100.0%, target at most 1%",
    ]
    all_asked = [RiskAssessment(e.text, "none", ask="self") for e in examples]
    assert missed_targets(score(examples, all_asked)) == [
        "explicit self-harm/suicide acted on at once 0.0%, target at least 100%",
        "checks, everyday messages 100.0%, target at most 5%",
    ]


def test_it_runs_with_the_thresholds_it_was_saved_with() -> None:
    model = default_model()
    assert (model.threshold, model.guarded_threshold) == (THRESHOLD, GUARDED_THRESHOLD)


@pytest.mark.parametrize(
    "answer", ["Myself", "me", "for me", "yes", "no thanks", "1", "1 and 5", "2, 3 and 4"]
)
def test_the_learned_net_leaves_short_form_answers_to_the_rules(answer: str) -> None:
    assert _untouched(answer)


def test_the_rules_still_catch_a_short_message_the_learned_net_skips() -> None:
    assert default_model().add_to(assess_risk("kms")).risk == "self"


def test_it_must_be_surer_where_the_rules_saw_a_negation() -> None:
    # "won't" is a negation cue, yet this is risk: the net still reads it, at a higher bar.
    text = "he won't leave me alone and keeps turning up at my door"
    ruled = assess_risk(text)
    assert ruled.guarded and ruled.risk == "none"
    assert default_model().add_to(ruled).ask == "from_others"
    never_when_guarded = replace(default_model(), guarded_threshold=1.01)
    assert never_when_guarded.add_to(ruled).ask is None


def test_what_only_the_net_finds_is_asked_about_never_acted_on() -> None:
    found = default_model().add_to(assess_risk("I want my existence to be over"))
    assert (found.risk, found.categories, found.ask) == ("none", (), "self")
    assert found.as_dict()["ask"] == "self"


def _untouched(text: str) -> bool:
    """Neither the rules nor the net read risk in `text`: no alarm and no check."""
    found = default_model().add_to(assess_risk(text))
    return found.risk == "none" and found.ask is None

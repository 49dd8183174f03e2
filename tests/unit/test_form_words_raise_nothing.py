"""What people type to move through a referral never raises an alarm nor a check.

A false alarm sends crisis lines to someone who asked to change an answer, marks the
referral urgent and pages the duty practitioner; a check asks them if they want to hurt
themselves. Neither may come from the form's own controls and options.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import load_flows
from flows.choices import offered_words
from flows.controls import control_intents
from safety import assess_risk
from safety.learned.model import default_model
from webhooks.core.turn import read_for_risk

CHOICES = offered_words(load_flows().values())
# Typed inside a referral every day; once, most of these raised an alarm.
IN_REFERRAL = [
    "I want to change my answer",
    "I want to go back",
    "I want to know when someone will call me",
    "can I change my answer",
    "I got that wrong",
    "how many more questions are there",
    "when will someone ring me back",
    "can I finish this later",
    "I don't understand the question",
    "what does that mean",
    "can you say that again",
    "I want to start again",
    "I want to speak to a real person",
    "how long will this take",
    "can I skip this one",
    "I don't know the answer to that",
    "I'd rather not say",
    "who will see my answers",
    "will the police see this",
    "is this confidential",
    "I need to stop now, my bus is here",
    "I want to tell you something else about my court date",
    "can I add something to my last answer",
    "I have already told you that",
    "I don't want to answer that one",
]


def assert_nothing_raised(text: str) -> None:
    found = read_for_risk(text, default_model(), CHOICES)
    assert (found.risk, found.ask) == ("none", None), (text, found.evidence)


@pytest.mark.parametrize("text", sorted(control_intents()))
def test_no_control_raises_an_alarm_or_a_check(text: str) -> None:
    assert_nothing_raised(text)


@pytest.mark.parametrize("text", sorted(CHOICES))
def test_no_option_the_flows_offer_raises_an_alarm_or_a_check(text: str) -> None:
    assert_nothing_raised(text)


@pytest.mark.parametrize("text", IN_REFERRAL)
def test_what_people_type_inside_a_referral_raises_no_alarm_or_check(text: str) -> None:
    assert_nothing_raised(text)


def test_it_would_notice_a_check(text: str = "I can't see a way out of this anymore") -> None:
    # The same reading does raise a check where the net reads risk in free text.
    assert read_for_risk(text, default_model(), CHOICES).ask == "self"


@pytest.mark.parametrize("text", ["I have sent them here", "change my answer", "prefer not to say"])
def test_the_net_never_reads_a_choice_or_a_control_even_where_it_would_fire(text: str) -> None:
    # A net that reads risk in anything of three words or more, as a bag of words may.
    trigger_happy = replace(default_model(), threshold=0.0, guarded_threshold=0.0)
    assert trigger_happy.add_to(assess_risk(text)).ask is not None  # it would, unread
    assert read_for_risk(text, trigger_happy, CHOICES).ask is None
    assert read_for_risk("my own words here", trigger_happy, CHOICES).ask is not None

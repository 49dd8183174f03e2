"""Calls with the real model: spoken, keyed and mixed answers give the same referral."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.test_referral_slice import by_name
from webhooks.simulator import VoiceSimulator

SOUTH_ESSEX = "+441134960300"


def call(stack: RunningStack, caller: str | None) -> VoiceSimulator:
    return VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, caller, SOUTH_ESSEX)


@pytest.mark.parametrize(
    ("name", "caller", "answers"),
    [
        (
            "Spoken Only",
            "+447911100021",
            [
                ("say", "Spoken Only"),
                ("say", "third of April nineteen ninety one"),
                ("say", "oh seven nine one one one two three four five six"),
                ("say", "yes"),
            ],
        ),
        (
            "Mixed Answers",
            "+447911100022",
            [
                ("say", "Mixed Answers"),
                ("press", "03041991"),
                ("press", "07911123456"),
                ("press", "1"),
            ],
        ),
    ],
)
def test_a_referral_by_phone_is_stored_like_one_by_text(
    stack: RunningStack, name: str, caller: str, answers: list[tuple[str, str]]
) -> None:
    phone = call(stack, caller)
    greeting = " ".join(phone.call())
    assert "hang up and call 999" in greeting
    assert greeting.endswith("What is your full name?")
    for how, answer in answers:
        heard = getattr(phone, how)(answer)
    assert "Your referral has been sent" in " ".join(heard)
    assert phone.ended
    [referral] = by_name(stack, "south-essex", name)
    fields: dict[str, Any] = referral["fields"]
    assert referral["channel"] == "voice"
    assert fields["date_of_birth"] == "1991-04-03"
    assert fields["contact_number"] == "+447911123456"
    assert fields["consent_share"] is True


def test_a_withheld_caller_gives_a_number_and_is_referred(stack: RunningStack) -> None:
    phone = call(stack, None)
    phone.call()
    phone.say("Hidden Caller")
    phone.press("01011990")
    assert "Say yes or press 1" in phone.say("07911 100023")[-1]
    phone.press("1")
    [referral] = by_name(stack, "south-essex", "Hidden Caller")
    assert referral["fields"]["contact_number"] == "+447911100023"


def test_risk_on_the_phone_gets_the_contacts_and_the_question_again(stack: RunningStack) -> None:
    phone = call(stack, "+447911100024")
    phone.call()
    heard = phone.say("I just want to kill myself")
    assert "116 123" in heard[0]
    assert heard[-1].startswith("When you are ready, we can carry on. What is your full name?")
    assert not phone.ended

"""Calls with the real model: withheld numbers, and risk said on the phone."""

from __future__ import annotations

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.voice_scripts import keyable, keyed_where_possible
from tests.integration.walking import ADDED, answer_until, referral_by_name, respondent
from webhooks.dev.simulator import VoiceSimulator

SOUTH_ESSEX = "+441134960300"


def call(stack: RunningStack, caller: str | None) -> VoiceSimulator:
    return VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, caller, SOUTH_ESSEX)


def test_the_call_says_it_is_not_an_emergency_line_then_asks_the_first_question(
    stack: RunningStack,
) -> None:
    greeting = " ".join(call(stack, "+447911100020").call())
    assert "hang up and call 999" in greeting
    assert "Who is making this referral?" in greeting
    assert "say myself or press 1" in greeting.lower()


def test_a_withheld_caller_gives_a_number_and_is_referred(stack: RunningStack) -> None:
    phone = call(stack, None)
    person = respondent("south-essex", "self", full_name="Hidden Caller")
    script = type(person)(person.flow, {**keyable(person.answers), "contact_number": "07911100023"})
    _, last = answer_until(keyed_where_possible(phone), script, phone.call())
    assert ADDED in " ".join(last)
    detail = referral_by_name(stack, "south-essex", "Hidden Caller")
    assert detail["fields"]["contact_number"] == "+447911100023"


def test_risk_on_the_phone_gets_the_contacts_and_the_question_again(stack: RunningStack) -> None:
    phone = call(stack, "+447911100024")
    person = respondent("south-essex", "self")
    answer_until(phone.say, person, phone.call(), stop_before="full_name")
    heard = phone.say("I just want to kill myself")
    assert "116 123" in heard[0]
    assert heard[-1].startswith("When you are ready, we can carry on. What is your full name?")
    assert not phone.ended


def test_a_dropped_call_is_kept_incomplete_and_completed_when_they_ring_back(
    stack: RunningStack,
) -> None:
    caller = "+447911100025"
    person = respondent("south-essex", "self", full_name="Rang Back")
    first = call(stack, caller)
    # Dropped before the essentials were all given: kept, not yet sent.
    answer_until(first.say, person, first.call(), stop_before="justice_status")
    first.hang_up("no-answer")
    kept = referral_by_name(stack, "south-essex", "Rang Back", status="incomplete")
    assert (kept["status"], kept["outcome"]) == ("incomplete", "dropped")
    assert kept["fields"]["date_of_birth"] == "1991-04-03"
    assert "justice_status" not in kept["fields"]

    again = call(stack, caller)
    heard = again.call()
    assert any("what is happening now" in line.lower() for line in heard)
    _, last = answer_until(again.say, person, heard)
    assert ADDED in " ".join(last)
    sent = referral_by_name(stack, "south-essex", "Rang Back")
    assert sent["reference"] == kept["reference"]
    assert sent["status"] == "new"
    assert sent["fields"]["postcode"] == "CV1 4FS"


def test_a_call_dropped_after_sending_keeps_what_was_said_since(stack: RunningStack) -> None:
    person = respondent("south-essex", "self", full_name="Dropped Later")
    phone = call(stack, "+447911100026")
    answer_until(phone.say, person, phone.call(), stop_before="best_time")
    phone.hang_up("completed")
    sent = referral_by_name(stack, "south-essex", "Dropped Later")
    assert (sent["status"], sent["outcome"]) == ("new", "essentials")
    assert sent["fields"]["postcode"] == "CV1 4FS"  # answered after "sent"

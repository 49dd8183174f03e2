"""One referral, six ways in: the stored referrals are the same whatever the channel."""

from __future__ import annotations

from typing import Any

import requests

from flows import load_flows
from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.voice_scripts import (
    keyable,
    keyed_where_possible,
    keys_only,
    spoken_only,
)
from tests.integration.walking import ADDED, answer_until, stored_fields
from tests.support.expected import expected_fields
from tests.support.spoken import SPOKEN
from webhooks.dev.scripted import Respondent, demo_answers
from webhooks.dev.simulator import ChatSimulator, SmsSimulator, VoiceSimulator

TEAM, NUMBER, FLOW = "together-london", "+442079460100", "together_london"
NAME = "Same Everywhere"


def referrals_named(stack: RunningStack, name: str = NAME) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {stack.api_token(TEAM)}"}
    url = f"{stack.url}/api/referrals?incomplete=false&per_page=200"
    listed = requests.get(url, headers=headers, timeout=10).json()
    return [
        requests.get(f"{stack.url}/api/referrals/{r['id']}", headers=headers, timeout=10).json()
        for r in listed["referrals"]
        if r["fields"].get("full_name") == name
    ]


def test_the_same_referral_is_stored_alike_on_every_channel(stack: RunningStack) -> None:
    flow = load_flows()[FLOW]
    typed = {**demo_answers("self"), "full_name": NAME}
    for whatsapp, sender in ((False, "+447911100031"), (True, "+447911100032")):
        text = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, sender, NUMBER, whatsapp=whatsapp)
        answer_until(text.send, Respondent(flow, typed), text.send("hello"))
    chat = ChatSimulator(stack.url, TEAM)

    def chat_send(text: str) -> list[str]:
        return [reply.text for reply in chat.send(text)]

    answer_until(chat_send, Respondent(flow, typed), chat_send("hello"))
    voice_ways = [
        ("+447911100033", spoken_only, {**typed, **SPOKEN}),
        ("+447911100034", keyed_where_possible, keyable(typed)),
    ]
    for caller, way, answers in voice_ways:
        phone = VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, caller, NUMBER)
        asked, last = answer_until(way(phone), Respondent(flow, answers), phone.call())
        assert "Everything you told me is with your referral" in " ".join(last), asked[-3:]
        assert phone.ended

    referrals = referrals_named(stack)
    assert sorted(r["channel"] for r in referrals) == [
        "sms",
        "voice",
        "voice",
        "webchat",
        "whatsapp",
    ]
    expected = expected_fields(FLOW, "self", NAME)
    for referral in referrals:
        assert stored_fields(referral) == expected, referral["channel"]


def test_a_caller_on_the_keypad_alone_finishes_the_referral_by_text(stack: RunningStack) -> None:
    flow, caller, name = load_flows()[FLOW], "+447911100035", "Keys Only"
    typed = {**demo_answers("self"), "full_name": name}
    phone = VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, caller, NUMBER)
    # Every question before the name can be answered on the keypad.
    answer_until(keys_only(phone), Respondent(flow, keyable(typed)), phone.call(), "full_name")
    offer = " ".join(phone.press("5"))
    assert "This question needs an answer in words" in offer
    assert "I have sent you a text message" in " ".join(phone.press("1"))
    assert phone.ended
    [sent] = [r.form for r in stack.twilio.requests if r.form.get("To") == caller]
    assert sent["From"] == NUMBER
    question = sent["Body"][sent["Body"].index("What is your full name?") :]
    text = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, caller, NUMBER)
    _, last = answer_until(text.send, Respondent(flow, typed), [question])
    assert last[0].startswith(ADDED)
    [referral] = referrals_named(stack, name)
    assert stored_fields(referral) == expected_fields(FLOW, "self", name)

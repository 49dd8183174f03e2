"""One referral, five ways in: the stored referrals are the same whatever the channel."""

from __future__ import annotations

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.test_referral_slice import by_name
from webhooks.simulator import ChatSimulator, SmsSimulator, VoiceSimulator

TEAM, NUMBER = "together-london", "+442079460100"
NAME = "Same Everywhere"


def test_the_same_referral_is_stored_alike_on_every_channel(stack: RunningStack) -> None:
    for whatsapp, sender in ((False, "+447911100031"), (True, "+447911100032")):
        text = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, sender, NUMBER, whatsapp=whatsapp)
        for answer in ("hello", NAME, "21/06/2001", "07911 100030", "yes"):
            text.send(answer)
    chat = ChatSimulator(stack.url, TEAM)
    for answer in ("hello", NAME, "21st June 2001", "+44 7911 100030", "Yes"):
        chat.send(answer)
    spoken = VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911100033", NUMBER)
    spoken.call()
    spoken.say(NAME)
    spoken.say("twenty first of June two thousand and one")
    spoken.say("oh seven nine one one one double oh oh three oh")
    spoken.say("yes")
    keyed = VoiceSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911100034", NUMBER)
    keyed.call()
    keyed.say(NAME)  # a name cannot be keyed
    for keys in ("21062001", "07911100030", "1"):
        keyed.press(keys)

    referrals = by_name(stack, TEAM, NAME)
    assert sorted(r["channel"] for r in referrals) == [
        "sms",
        "voice",
        "voice",
        "webchat",
        "whatsapp",
    ]
    assert all(r["fields"] == referrals[0]["fields"] for r in referrals)
    assert referrals[0]["fields"] == {
        "full_name": NAME,
        "date_of_birth": "2001-06-21",
        "contact_number": "+447911100030",
        "consent_share": True,
    }

"""Golden TwiML for every kind of voice step: what Twilio is told to do, exactly.

A change to the files in tests/golden/voice/ is a change to what callers hear; review it.
Regenerate after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_voice_twiml.py
"""

from __future__ import annotations

import os
from xml.dom import minidom

import pytest
from twilio.twiml.voice_response import VoiceResponse

from webhooks.config import PROJECT_ROOT
from webhooks.core.replies import Reply
from webhooks.web.channels.voice_render import (
    ask,
    goodbye,
    offer_connection,
    offer_other_ways,
    put_through,
)
from webhooks.wording import Wording

GOLDEN = PROJECT_ROOT / "tests" / "golden" / "voice"
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
ACTION = "/twilio/voice/answer?attempt=0"

STEPS: dict[str, VoiceResponse] = {
    "greeting_then_question": ask(
        [Reply("Hello, this is the service."), Reply("What is your full name?")], WORDING, ACTION
    ),
    "question_with_options": ask(
        [Reply("Do you agree to us sharing your answers?", ("Yes", "No"))], WORDING, ACTION
    ),
    "silence_reprompt": ask(
        [Reply("What is your date of birth?")],
        WORDING,
        "/twilio/voice/answer?attempt=1",
        before=[WORDING.say("voice_silence_1")],
    ),
    "offer_text_or_call_back": offer_other_ways(WORDING, "/twilio/voice/other-ways"),
    "keys_where_words_are_needed": offer_other_ways(
        WORDING, "/twilio/voice/other-ways", why="voice_needs_words"
    ),
    "referral_sent_then_hang_up": ask(
        [Reply("Thank you. Your referral has been sent.", ends_conversation=True)],
        WORDING,
        ACTION,
    ),
    "goodbye": goodbye(WORDING.say("voice_callback")),
    "crisis_then_offer_to_put_through": offer_connection(
        [Reply("If you are in danger now, call 999.", crisis=True)],
        WORDING,
        "To be put through to the crisis line now, press 1 or say yes.",
        "/twilio/voice/connect",
    ),
    "put_through": put_through("Putting you through now.", "+448081866798"),
}


def pretty(twiml: str) -> str:
    return minidom.parseString(twiml).toprettyxml(indent="  ")


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_voice_step_matches_its_golden_twiml(step: str) -> None:
    path = GOLDEN / f"{step}.xml"
    rendered = pretty(str(STEPS[step]))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered


def test_a_call_ends_after_the_referral_even_with_a_note_after_it() -> None:
    twiml = str(
        ask(
            [
                Reply("Your referral has been sent.", ends_conversation=True),
                Reply("The team is closed now and will pick this up tomorrow."),
            ],
            WORDING,
            ACTION,
        )
    )
    assert "<Hangup />" in twiml
    assert "<Gather" not in twiml

"""How a caller gives the demo answers: in words only, or keying what can be keyed."""

from __future__ import annotations

import re

from tests.integration.walking import Send
from webhooks.dev.simulator import VoiceSimulator

_KEYABLE = re.compile(r"^[\d\s/]+$")


def spoken_only(phone: VoiceSimulator) -> Send:
    """Every answer said aloud."""
    return phone.say


def keyed_where_possible(phone: VoiceSimulator) -> Send:
    """Numbers, dates and choices on the keypad; words said aloud."""

    def send(text: str) -> list[str]:
        if _KEYABLE.match(text):
            return phone.press(re.sub(r"\D", "", text))
        return phone.say(text)

    return send


def keys_only(phone: VoiceSimulator) -> Send:
    """Everything on the keypad: a caller who cannot or would rather not speak."""

    def send(text: str) -> list[str]:
        assert _KEYABLE.match(text), f"{text!r} cannot be keyed"
        return phone.press(re.sub(r"\D", "", text))

    return send


def keyable(answers: dict[str, str]) -> dict[str, str]:
    """The demo answers as keys where a caller would key them."""
    keyed = dict(answers)
    keyed.update(
        {
            "referrer": "1",
            "easy_read": "2",
            "lives_in_london": "1",
            "aged_10_or_over": "1",
            "in_south_essex": "1",
            "date_of_birth": "03041991",
            "contact_number": "07911123456",
            "next_date": "12032027",
            "links": "15",
            "needs": "145",
            "review": "1",
        }
    )
    return keyed

"""SMS rendering: numbered options, and nothing over Twilio's 1,600-character limit."""

from __future__ import annotations

from xml.etree import ElementTree

from webhooks.config import PROJECT_ROOT
from webhooks.core.replies import Reply
from webhooks.web.channels.sms_render import gsm7_safe, messaging_twiml, sms_text, split_body
from webhooks.wording import Wording

WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")


def test_it_numbers_the_options() -> None:
    text = sms_text(Reply("Do you agree?", ("Yes", "No")), WORDING)
    assert text == "Do you agree? Reply 1 for Yes, 2 for No."


def test_it_leaves_a_plain_reply_alone() -> None:
    assert sms_text(Reply("What is your full name?"), WORDING) == "What is your full name?"


def test_it_splits_a_long_reply_at_word_boundaries() -> None:
    words = ["word"] * 1000
    parts = split_body(" ".join(words))
    assert all(len(part) <= 1600 for part in parts)
    assert " ".join(parts).split(" ") == words


def test_it_answers_with_one_message_element_per_reply() -> None:
    twiml = messaging_twiml([Reply("One."), Reply("Two?", ("Yes", "No"))], WORDING)
    root = ElementTree.fromstring(twiml)
    assert root.tag == "Response"
    assert [m.text for m in root.iter("Message")] == ["One.", "Two? Reply 1 for Yes, 2 for No."]


def test_it_swaps_curly_quotes_and_dashes_for_gsm7_ones() -> None:
    assert gsm7_safe("It\u2019s \u201cfine\u201d \u2013 really\u2026") == 'It\'s "fine" - really...'


def test_it_keeps_letters_but_drops_accents_gsm7_cannot_carry() -> None:
    assert gsm7_safe("Łukasz Wójcik é") == "Lukasz Wojcik é"


def test_it_drops_emoji() -> None:
    assert gsm7_safe("Thanks \U0001f44d") == "Thanks "

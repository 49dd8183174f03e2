"""What is said the same way for every question: the read-back before sending, whether to
carry on after it, and the controls a person can use at any time."""

from __future__ import annotations

from typing import Any

import yaml

from flows import phrases
from flows.controls import CONTROLS_FILE
from flows.model import Flow
from webhooks.signoff.channels import ChannelWords, Sent
from webhooks.signoff.document import Appendix, Control
from webhooks.signoff.words import Words

# The question whether to carry on after the referral is sent: its wording in
# flows/phrases.yml, its re-ask beside it.
CARRY_ON = "carry_on"
CARRY_ON_RETRY = "carry_on_retry"


def readback(flow: Flow, say: ChannelWords, words: Words) -> Sent:
    """The read-back with each answer it reads shown as a blank, and its two choices."""
    blank = words.say("blanks", "value")
    items = " ".join(
        phrases.say("review_item", say.voice, label=question.label, value=blank)
        for question in flow.questions
        if question.readback
    )
    choices = (phrases.say("review_send", say.voice), phrases.say("review_change", say.voice))
    return say.phrase("review", choices, items=items)


def carry_on(flow: Flow, say: ChannelWords) -> tuple[Sent, ...]:
    """The question whether to carry on after sending, and its re-ask, when the flows
    word it; nothing when they do not."""
    known = phrases.phrases()
    if CARRY_ON not in known:
        return ()
    try:
        # The engine asks it like a question, with its choices.
        asked = say.question(flow, CARRY_ON)
    except KeyError:
        # An engine that words it but does not ask it itself: the phrase alone.
        asked = say.phrase(CARRY_ON)
    retry = (say.phrase(CARRY_ON_RETRY),) if CARRY_ON_RETRY in known else ()
    return (asked, *retry)


def appendix(flow: Flow, say: ChannelWords, words: Words) -> Appendix:
    """The read-back and every control, in this channel's words."""
    return Appendix(
        readback=readback(flow, say, words),
        readback_labels=tuple(q.label for q in flow.questions if q.readback),
        controls=tuple(_control(name, raw, say, words) for name, raw in _controls().items()),
    )


def _controls() -> dict[str, Any]:
    raw = yaml.safe_load(CONTROLS_FILE.read_text(encoding="utf-8"))
    return raw if isinstance(raw, dict) else {}


def _control(name: str, raw: Any, say: ChannelWords, words: Words) -> Control:
    described = words.get("controls", name) if words.has("controls", name) else {}
    known_phrases = phrases.phrases()
    known_messages = say.wording.templates()
    says = [say.phrase(key) for key in described.get("phrases", []) if key in known_phrases]
    says += [say.message(key) for key in described.get("messages", []) if key in known_messages]
    return Control(
        name=name,
        does=str(described.get("does", "")),
        phrases=tuple(str(phrase) for phrase in raw.get("phrases", [])),
        says=tuple(says),
    )

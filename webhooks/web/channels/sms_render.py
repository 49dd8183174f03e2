"""Render the bot's replies as SMS text: options as numbers, within Twilio's body limit."""

from __future__ import annotations

import unicodedata

from twilio.twiml.messaging_response import MessagingResponse

from webhooks.core.replies import Reply
from webhooks.wording import Wording

# Twilio rejects a message body over 1,600 characters.
MAX_BODY = 1600
# GSM 03.38: the basic set and its extension table. One character outside it makes the
# whole message UCS-2, which fits 70 characters a segment instead of 160.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "^{}\\[~]|€"
)
_LOOKALIKES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2022": "-",
    # Letters that do not decompose into a base letter and an accent.
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "\u0131": "i",  # dotless i
    "œ": "oe",
    "Œ": "OE",
}


def gsm7_safe(text: str) -> str:
    """Swap curly quotes, dashes and the like for GSM-7 ones; drop what has no stand-in."""
    out = []
    for character in text:
        character = _LOOKALIKES.get(character, character)
        if all(part in GSM7 for part in character):
            out.append(character)
            continue
        # "ł" -> "l", "ć" -> "c": keep the letter, lose the accent GSM-7 cannot carry.
        plain = unicodedata.normalize("NFKD", character)
        out.append("".join(part for part in plain if part in GSM7))
    return "".join(out)


def sms_text(reply: Reply, wording: Wording) -> str:
    """One reply as plain text, with "Reply 1 for Yes, 2 for No" when there are options."""
    if not reply.options:
        return reply.text
    choices = ", ".join(
        wording.say("sms_choice", number=str(number), label=label)
        for number, label in enumerate(reply.options, start=1)
    )
    return f"{reply.text} {wording.say('sms_options', choices=choices)}"


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Split at word boundaries so no part is over the limit."""
    parts: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(word) > limit:
            parts.append(word[:limit])
            word = word[limit:]
        current = word
    if current:
        parts.append(current)
    return parts


def messaging_twiml(replies: list[Reply], wording: Wording) -> str:
    """The TwiML answering a messaging webhook: one <Message> per part."""
    response = MessagingResponse()
    for reply in replies:
        for part in split_body(gsm7_safe(sms_text(reply, wording))):
            response.message(part)
    return str(response)

"""Render the bot's replies as SMS text: options as numbers, within Twilio's body limit."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse

from webhooks.conversation_types import Reply
from webhooks.wording import Wording

# Twilio rejects a message body over 1,600 characters.
MAX_BODY = 1600


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
        for part in split_body(sms_text(reply, wording)):
            response.message(part)
    return str(response)

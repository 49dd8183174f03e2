"""Finding stored rows by what they say: bodies are encrypted at rest, so a test compares
them after reading, as the gateway does, never in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import Message


def messages_saying(session: Session, body: str) -> list[Message]:
    """Every stored message with exactly this body, oldest first."""
    return [
        message
        for message in session.scalars(select(Message).order_by(Message.id))
        if message.body == body
    ]


def message_saying(session: Session, body: str) -> Message:
    """The one stored message with this body."""
    [message] = messages_saying(session, body)
    return message

"""A web chat the person ended: let go of the browser that held it. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from webhooks.db.models import Conversation

# Marks a key no browser was ever given (a browser's key is a bare UUID).
ENDED_PREFIX = "ended-"


def let_go_of_browser(session: Session, conversation: Conversation) -> None:
    """No browser finds this conversation again, not even with a copy of the old cookie.

    The session cookie is signed, not stored, so the server cannot take a copy of it back;
    the conversation answers to a new random key instead. Everything in it stays for the
    team: only the way back in from a browser is gone.
    """
    conversation.contact_key = f"{ENDED_PREFIX}{uuid.uuid4()}"
    session.flush()

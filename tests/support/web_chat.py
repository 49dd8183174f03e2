"""The web chat as its page's script uses it, through Flask's test client."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from flows import load_flows
from webhooks.db import conversations
from webhooks.db.models import Conversation, Message

FLOW_OF = {"together-london": "together_london", "south-essex": "south_essex"}


def csrf_token(client: FlaskClient, team_id: str) -> str:
    """The token the chat page gives its script (and the session cookie with it)."""
    page = client.get(f"/chat/{team_id}").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match
    return match.group(1)


def say(client: FlaskClient, team_id: str, text: str, token: str) -> TestResponse:
    """Send one message, as the page does."""
    return client.post(
        f"/chat/{team_id}/messages", json={"text": text}, headers={"X-CSRFToken": token}
    )


def upload(
    client: FlaskClient, team_id: str, name: str, data: bytes, token: str | None
) -> TestResponse:
    """Send one file, as the page does."""
    # Encoded in memory: the test client would spool a large body to a temporary file
    # that a refused request never closes.
    boundary, body = encode_multipart(
        MultiDict({"document": FileStorage(io.BytesIO(data), filename=name)})
    )
    return client.post(
        f"/chat/{team_id}/documents",
        data=body,
        headers={"X-CSRFToken": token} if token else {},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def browser_key(client: FlaskClient, team_id: str) -> str | None:
    """The key this browser's session cookie holds for the team's chat, if any."""
    with client.session_transaction() as session:
        keys: dict[str, str] = session.get("chat") or {}
        return keys.get(team_id)


def conversation_of(client: FlaskClient, db: Session, team_id: str) -> Conversation:
    """The conversation this browser is in with the team."""
    key = browser_key(client, team_id)
    assert key is not None
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    found = conversations.find_conversation(db, team_id, "webchat", key)
    assert found is not None
    return found


def bot_asks(client: FlaskClient, db: Session, team_id: str, question_id: str) -> str:
    """The bot asks this question of the flow next, as Rasa's reply names it (Rasa is not
    running in these tests); its words are whatever the flow says today."""
    conversation = conversation_of(client, db, team_id)
    inbound = db.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.id.desc())
    ).first()
    assert inbound is not None
    words = load_flows()[FLOW_OF[team_id]].question(question_id).ask.plain
    conversations.add_outbound(db, inbound, words, question_id=question_id)
    db.commit()
    return words

"""Web chat page and its JSON."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from webhooks.db import conversations
from webhooks.db.models import Message


def csrf_token(client: FlaskClient, team_id: str) -> str:
    page = client.get(f"/chat/{team_id}").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match
    return match.group(1)


def test_it_serves_the_chat_page_for_a_team(client: FlaskClient) -> None:
    response = client.get("/chat/south-essex")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "South Essex Liaison and Diversion" in page
    assert 'aria-live="polite"' in page
    assert "Leave this site quickly" in page


def test_an_unknown_team_is_not_found(client: FlaskClient) -> None:
    assert client.get("/chat/nowhere").status_code == 404


def test_it_refuses_a_post_without_the_csrf_token(client: FlaskClient) -> None:
    response = client.post("/chat/south-essex/messages", json={"text": "hello"})
    assert response.status_code == 400


def test_it_answers_with_crisis_contacts_when_rasa_is_down(client: FlaskClient) -> None:
    token = csrf_token(client, "south-essex")
    response = client.post(
        "/chat/south-essex/messages", json={"text": "hello"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.json is not None
    [reply] = response.json["replies"]
    assert "999" in reply["text"]


def test_the_conversation_survives_a_reload(client: FlaskClient) -> None:
    token = csrf_token(client, "south-essex")
    client.post(
        "/chat/south-essex/messages", json={"text": "hello"}, headers={"X-CSRFToken": token}
    )
    history = client.get("/chat/south-essex/messages").json
    assert history is not None
    assert [message["from"] for message in history["messages"]] == ["person", "bot"]
    assert history["messages"][0]["text"] == "hello"


def test_it_asks_for_a_message_when_the_text_is_empty(client: FlaskClient) -> None:
    token = csrf_token(client, "south-essex")
    response = client.post(
        "/chat/south-essex/messages", json={"text": "  "}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("question_id", "offers_upload"), [("documents", True), ("full_name", False)]
)
def test_the_upload_control_is_offered_where_the_question_asks_for_files(
    client: FlaskClient, db: Session, question_id: str, offers_upload: bool
) -> None:
    token = csrf_token(client, "together-london")
    client.post(
        "/chat/together-london/messages", json={"text": "hello"}, headers={"X-CSRFToken": token}
    )
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    # As Rasa's reply names the question; its words are whatever the flow says today.
    words = load_flows()["together_london"].question(question_id).ask.plain
    conversations.add_outbound(db, inbound, words, question_id=question_id)
    db.commit()
    history = client.get("/chat/together-london/messages").json
    assert history is not None
    last = history["messages"][-1]
    assert {key: last[key] for key in ("from", "author", "text", "options", "files")} == {
        "from": "bot",
        "author": None,
        "text": words,
        "options": [],
        "files": offers_upload,
    }

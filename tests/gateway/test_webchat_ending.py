"""Web chat on a shared computer: "End chat" and "Leave this site quickly" end the
conversation on the server, so the next person at the same browser reads nothing of it,
while the team keeps everything it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.web_chat import bot_asks, browser_key, conversation_of, csrf_token, say
from webhooks import create_app
from webhooks.config import Settings
from webhooks.db import referrals
from webhooks.db.models import Conversation, Message, Referral, RiskCheck, RiskFlag

TEAM = "south-essex"
TIRED = "I can't see a way out of this anymore"
ENDED_NOTE = "[The person ended the chat]"


def end(client: FlaskClient, token: str) -> dict[str, Any]:
    response = client.post(f"/chat/{TEAM}/end", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json is not None
    ended: dict[str, Any] = response.json
    return ended


def history(client: FlaskClient) -> list[str]:
    response = client.get(f"/chat/{TEAM}/messages")
    assert response.json is not None
    return [message["text"] for message in response.json["messages"]]


def test_the_page_offers_end_chat_beside_leave_quickly(client: FlaskClient) -> None:
    page = client.get(f"/chat/{TEAM}").get_data(as_text=True)
    assert ">End chat</button>" in page
    assert f'data-end-url="/chat/{TEAM}/end"' in page


def test_after_end_chat_the_browser_reads_nothing_and_starts_afresh(
    client: FlaskClient, db: Session
) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "My name is Sam and I was arrested last night", token)
    ended = conversation_of(client, db, TEAM)
    assert history(client)[0] == "My name is Sam and I was arrested last night"

    said = end(client, token)
    assert said["ended"] is True
    assert said["message"].startswith("The chat has ended and is cleared from this screen.")
    assert browser_key(client, TEAM) is None
    assert history(client) == []

    # The next message is a new conversation: nothing of the first comes with it.
    say(client, TEAM, "hello", token)
    assert history(client)[0] == "hello"
    assert "My name is Sam" not in " ".join(history(client))
    assert conversation_of(client, db, TEAM).id != ended.id


def test_a_copy_of_the_old_cookie_reads_nothing_after_the_end(
    client: FlaskClient, db: Session
) -> None:
    # The session cookie is signed, not stored: whoever kept a copy still has the key.
    token = csrf_token(client, TEAM)
    say(client, TEAM, "I live at 12 High Street", token)
    cookie = client.get_cookie("session")
    assert cookie is not None
    end(client, token)
    client.set_cookie("session", cookie.value)
    assert browser_key(client, TEAM) is not None
    assert history(client) == []


def test_what_the_team_has_stays_with_them(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "I was arrested last night", token)
    conversation = conversation_of(client, db, TEAM)
    key = browser_key(client, TEAM)
    referral = referrals.create_referral(
        db,
        conversation,
        {"flow_id": "south_essex", "flow_version": 1, "answers": [], "consents": []},
    )
    db.commit()
    end(client, token)

    db.rollback()
    kept = db.get(Conversation, conversation.id)
    assert kept is not None
    # Only the way in from the browser is gone.
    assert kept.contact_key != key
    bodies = db.scalars(
        select(Message.body).where(Message.conversation_id == conversation.id)
    ).all()
    assert bodies[0] == "I was arrested last night"
    # The team sees why the conversation stopped.
    assert bodies[-1] == ENDED_NOTE
    sent = db.get(Referral, referral.id)
    assert sent is not None and sent.complete


def test_ending_while_asked_about_safety_counts_as_no_answer(
    client: FlaskClient, db: Session
) -> None:
    token = csrf_token(client, TEAM)
    replies = say(client, TEAM, TIRED, token).json
    assert replies is not None
    assert any("Can I check" in reply["text"] for reply in replies["replies"])
    end(client, token)
    db.rollback()
    # No answer is taken as yes: flagged, so the team follows it up urgently.
    assert db.scalars(select(RiskCheck.answer)).one() == "unanswered"
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]


def test_end_is_refused_without_the_csrf_token(client: FlaskClient) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    assert client.post(f"/chat/{TEAM}/end").status_code == 400
    # Still there: a page elsewhere cannot end someone's chat.
    assert history(client)[0] == "hello"


def test_end_takes_the_token_as_a_form_field_as_a_beacon_sends_it(client: FlaskClient) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    response = client.post(f"/chat/{TEAM}/end", data={"csrf_token": token})
    assert response.status_code == 200
    assert history(client) == []


def test_ending_with_no_chat_begun_is_harmless(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    assert end(client, token)["ended"] is True
    assert db.scalars(select(Conversation)).all() == []


class FakeRasa:
    """Rasa's REST channel, answering the gateway's snapshot of an unfinished form as the
    flow does: the answers so far, as a referral that stopped part way."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.messages.append(body["message"])
                replies = (
                    [{"custom": {"referral": STOPPED}}]
                    if body["message"] == ("/control_snapshot")
                    else []
                )
                data = json.dumps(replies).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


STOPPED = {
    "flow_id": "south_essex",
    "flow_version": 1,
    "outcome": "dropped",
    "complete": False,
    "ended_at_question": "date_of_birth",
    "answers": [
        {
            "question_id": "full_name",
            "kind": "text",
            "label": "Full name",
            "prompt": "What is your full name?",
            "value": "Sam Jones",
            "display": "Sam Jones",
        }
    ],
    "consents": [],
}


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def app_with_rasa(settings: Settings, rasa: FakeRasa) -> Iterator[Flask]:
    app = create_app(replace(settings, rasa_url=rasa.url))
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


def test_ending_mid_referral_keeps_the_answers_as_a_dropped_call_does(
    app_with_rasa: Flask, rasa: FakeRasa, db: Session
) -> None:
    client = app_with_rasa.test_client()
    token = csrf_token(client, TEAM)
    say(client, TEAM, "Sam Jones", token)
    bot_asks(client, db, TEAM, "date_of_birth")
    end(client, token)
    # The form is asked for its answers so far, as when a call drops.
    assert rasa.messages[-1] == "/control_snapshot"
    db.rollback()
    kept = db.scalars(select(Referral)).one()
    assert (kept.complete, kept.outcome) == (False, "dropped")
    assert [answer.display for answer in kept.answers] == ["Sam Jones"]


def test_an_after_that_is_no_plain_number_reads_the_whole_history(client: FlaskClient) -> None:
    # "²" counts as a digit to str.isdigit, and int() refuses it: a 500 once.
    for after in ("²", "٣", "1e3", "-1"):
        response = client.get("/chat/south-essex/messages", query_string={"after": after})
        assert response.status_code == 200, after
        assert response.json is not None and "messages" in response.json

"""Web chat uploads: taken only while the flow asks for files, and only so many per
conversation; anything else is refused in plain words before it is read."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.files import PDF
from tests.support.web_chat import bot_asks, conversation_of, csrf_token, say, upload
from webhooks.core import documents as documents_core
from webhooks.core.chat_uploads import MAX_FILES, MAX_TOTAL_BYTES
from webhooks.db.models import Document, RiskCheck

TEAM = "together-london"
EMAIL = "community.liaisonanddiversion@nhs.net"
TIRED = "I can't see a way out of this anymore"
NOT_ASKED = (
    "Sorry, I cannot take a file at this point in the chat. If the team needs documents, "
    "I will ask for them."
)


def stored(db: Session) -> list[str]:
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    return list(db.scalars(select(Document.filename).order_by(Document.id)))


def test_a_browser_with_no_chat_cannot_send_a_file(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    response = upload(client, TEAM, "letter.pdf", PDF, token)
    assert response.status_code == 409
    assert response.json == {"error": NOT_ASKED}
    assert stored(db) == []


def test_a_file_is_refused_while_the_bot_asks_something_else(
    client: FlaskClient, db: Session
) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "full_name")
    response = upload(client, TEAM, "letter.pdf", PDF, token)
    assert (response.status_code, response.json) == (409, {"error": NOT_ASKED})
    assert stored(db) == []
    # Nothing about it in the transcript either: it never came in.
    history = client.get(f"/chat/{TEAM}/messages").json
    assert history is not None
    assert "[file: letter.pdf]" not in [message["text"] for message in history["messages"]]


def test_files_are_taken_until_the_flow_moves_on(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    assert upload(client, TEAM, "first.pdf", PDF, token).status_code == 200
    # The bot's last words are the "thank you" for it; the question still stands.
    assert upload(client, TEAM, "second.pdf", PDF, token).status_code == 200
    bot_asks(client, db, TEAM, "full_name")
    assert upload(client, TEAM, "third.pdf", PDF, token).status_code == 409
    assert stored(db) == ["first.pdf", "second.pdf"]


def test_a_safety_check_pauses_uploads_until_it_is_answered(
    client: FlaskClient, db: Session
) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    replies = say(client, TEAM, TIRED, token).json
    assert replies is not None
    assert any("Can I check" in reply["text"] for reply in replies["replies"])
    assert upload(client, TEAM, "letter.pdf", PDF, token).status_code == 409
    # Answered, the documents question is asked again, and files are taken again.
    say(client, TEAM, "No", token)
    db.rollback()
    assert db.scalars(select(RiskCheck.answer)).one() == "no"
    assert upload(client, TEAM, "letter.pdf", PDF, token).status_code == 200


def test_the_sixth_file_is_refused_with_the_teams_email(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    for number in range(MAX_FILES):
        assert upload(client, TEAM, f"page {number}.pdf", PDF, token).status_code == 200
    response = upload(client, TEAM, "one more.pdf", PDF, token)
    assert response.status_code == 409
    assert response.json == {
        "error": f"Sorry, this chat can take at most 5 files. You can also email it to the "
        f"team at {EMAIL}."
    }
    assert len(stored(db)) == MAX_FILES


@pytest.mark.parametrize("taken", [True, False], ids=["just fits", "one byte over"])
def test_the_files_of_a_conversation_have_a_size_limit_in_all(
    client: FlaskClient, db: Session, taken: bool
) -> None:
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    conversation = conversation_of(client, db, TEAM)
    # What the conversation holds already, by its recorded size.
    already = MAX_TOTAL_BYTES - len(PDF) + (0 if taken else 1)
    db.add(
        Document(
            conversation_id=conversation.id,
            source_id=f"test/{uuid.uuid4()}",
            filename="earlier.pdf",
            content_type="application/pdf",
            size_bytes=already,
            sha256="0" * 64,
            encrypted=b"",
        )
    )
    db.commit()
    response = upload(client, TEAM, "letter.pdf", PDF, token)
    if taken:
        assert response.status_code == 200
        return
    assert response.status_code == 413
    assert response.json == {
        "error": f"Sorry, the files in this chat can come to at most 60 MB in all. You can "
        f"also email it to the team at {EMAIL}."
    }
    assert stored(db) == ["earlier.pdf"]


def test_files_sent_all_at_once_are_kept_only_as_far_as_the_quota(
    app: Flask, client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every upload sent at once passes the first look at the quota before any is
    stored; the count taken again as each is stored keeps only as many as fit."""
    token = csrf_token(client, TEAM)
    say(client, TEAM, "hello", token)
    bot_asks(client, db, TEAM, "documents")
    for number in range(MAX_FILES - 2):
        assert upload(client, TEAM, f"earlier {number}.pdf", PDF, token).status_code == 200
    at_once = 5
    together = threading.Barrier(at_once, timeout=30)
    real_check = documents_core.check_file

    def checked_together(*args: Any) -> Any:
        together.wait()  # each has passed the first look; none is stored yet
        return real_check(*args)

    monkeypatch.setattr(documents_core, "check_file", checked_together)
    cookie = client.get_cookie("session")
    assert cookie is not None

    def send(number: int) -> list[str]:
        browser = app.test_client()
        browser.set_cookie("session", cookie.value)
        response = upload(browser, TEAM, f"at once {number}.pdf", PDF, token)
        assert response.status_code == 200, response.text
        body = response.json or {}
        return [reply["text"] for reply in body["replies"]]

    with ThreadPoolExecutor(at_once) as pool:
        answers = list(pool.map(send, range(at_once)))

    assert len(stored(db)) == MAX_FILES
    too_many = [said for said in answers if any("at most 5 files" in text for text in said)]
    assert len(too_many) == at_once - 2

"""Per-address rate limits on the web chat: far above what a person does, so a script
that floods it is refused with 429 and plain words, before any work is done for it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support.files import PDF
from tests.support.stored import messages_saying
from tests.support.web_chat import csrf_token, say, upload

TEAM = "south-essex"
TOO_MANY = {"error": "Too many tries in a short time. Please wait a few minutes, then try again."}


def refused(response: TestResponse) -> bool:
    if response.status_code != 429:
        return False
    assert response.json == TOO_MANY
    return True


def test_the_31st_message_in_a_minute_is_refused(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, TEAM)
    for number in range(30):
        assert say(client, TEAM, f"message {number}", token).status_code == 200
    assert refused(say(client, TEAM, "one more", token))
    db.rollback()
    # Refused before the conversation core: not stored, not answered.
    said = len(messages_saying(db, "one more"))
    assert said == 0


def test_the_11th_new_chat_in_an_hour_from_one_address_is_refused(app: Flask) -> None:
    for _ in range(10):
        browser = app.test_client()
        assert say(browser, TEAM, "hello", csrf_token(browser, TEAM)).status_code == 200
    stranger = app.test_client()
    assert refused(say(stranger, TEAM, "hello", csrf_token(stranger, TEAM)))
    # Elsewhere, someone else starts one as usual.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert say(elsewhere, TEAM, "hello", csrf_token(elsewhere, TEAM)).status_code == 200


def test_a_chat_already_going_is_not_a_new_chat(app: Flask) -> None:
    going = app.test_client()
    token = csrf_token(going, TEAM)
    for number in range(12):
        assert say(going, TEAM, f"answer {number}", token).status_code == 200


def test_the_11th_upload_in_an_hour_is_refused(client: FlaskClient) -> None:
    token = csrf_token(client, "together-london")
    for _ in range(10):
        # Refused for their own reasons (nothing asked for a file), but counted.
        assert upload(client, "together-london", "letter.pdf", PDF, token).status_code == 409
    assert refused(upload(client, "together-london", "letter.pdf", PDF, token))


def test_the_limits_can_be_set_for_a_deployment(app: Flask) -> None:
    app.config["CHAT_RATE_LIMITS"] = {"messages": "2 per minute"}
    client = app.test_client()
    token = csrf_token(client, TEAM)
    assert say(client, TEAM, "one", token).status_code == 200
    assert say(client, TEAM, "two", token).status_code == 200
    assert refused(say(client, TEAM, "three", token))

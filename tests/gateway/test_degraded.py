"""When Rasa or the database is down or slow, every message still gets a safe answer fast."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import signed_post, sms_params
from webhooks import create_app
from webhooks.config import Settings
from webhooks.core import spool
from webhooks.core.ingest import Drained, Ingester
from webhooks.db.models import Message


def post(client: FlaskClient, params: dict[str, str]) -> tuple[list[str], float]:
    started = time.monotonic()
    response = signed_post(client, "/twilio/sms", params)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    return [m.text or "" for m in ElementTree.fromstring(response.data).iter("Message")], elapsed


@pytest.fixture
def hanging_rasa() -> Iterator[str]:
    """A server that accepts connections and never answers (a stuck Rasa)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_with_rasa_stopped_the_answer_arrives_at_once(client: FlaskClient) -> None:
    replies, elapsed = post(client, sms_params("hello"))
    assert "999" in replies[-1]
    assert elapsed < 3


def test_with_rasa_stuck_the_answer_arrives_within_3_seconds(
    settings: Settings, hanging_rasa: str
) -> None:
    app = create_app(replace(settings, rasa_url=hanging_rasa, rasa_timeout_seconds=2.0))
    replies, elapsed = post(app.test_client(), sms_params("hello"))
    app.extensions["engine"].dispose()
    assert "116 123" in replies[-1]
    assert elapsed < 3


def test_with_the_database_down_a_text_gets_the_contacts_and_waits_on_disk(
    app_without_database: Flask, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    replies, elapsed = post(
        app_without_database.test_client(),
        sms_params("please help me Sam Jones", To="+441214960200"),
    )
    assert "0808 186 6798" in replies[-1]
    assert "kept your message" in replies[-1]
    assert elapsed < 3
    [spooled] = list(settings.spool_dir.glob("*.json"))
    # Waiting on disk encrypted, as the database would keep it.
    assert spool.read_message(spooled).text == "please help me Sam Jones"
    assert "Sam Jones" not in spooled.read_text()
    assert "Sam Jones" not in caplog.text  # no personal data in the logs


def test_with_the_database_down_risk_still_gets_the_crisis_reply(
    app_without_database: Flask,
) -> None:
    replies, _ = post(app_without_database.test_client(), sms_params("I want to end my life"))
    assert replies[0].startswith("I am sorry you are feeling like this")
    assert "116 123" in replies[0]


def drain(app: Flask, settings: Settings) -> Drained:
    """One round of the background ingester, as `triage alerts` runs it."""
    sessions = app.extensions["session_factory"]
    teams = app.extensions["triage"].teams
    return Ingester(sessions, settings.spool_dir, teams).drain(datetime.now(timezone.utc))


def test_spooled_messages_are_stored_by_the_ingester_not_by_a_later_turn(
    app_without_database: Flask, app: Flask, client: FlaskClient, db: Session, settings: Settings
) -> None:
    post(app_without_database.test_client(), sms_params("sent while the database was down"))
    assert len(list(settings.spool_dir.glob("*.json"))) == 1
    post(client, sms_params("sent after it came back"))
    # A person's turn never stores somebody else's spooled message.
    assert len(list(settings.spool_dir.glob("*.json"))) == 1
    assert drain(app, settings) == Drained(messages=1)
    bodies = db.scalars(select(Message.body).where(Message.direction == "in").order_by(Message.id))
    assert list(bodies) == ["sent after it came back", "sent while the database was down"]
    assert list(settings.spool_dir.iterdir()) == []


def test_a_spooled_retry_is_stored_once(
    app_without_database: Flask, app: Flask, client: FlaskClient, db: Session, settings: Settings
) -> None:
    params = sms_params("hello")
    post(app_without_database.test_client(), params)
    post(client, params)  # Twilio retries the same MessageSid once the database is back
    drain(app, settings)
    assert len(db.scalars(select(Message).where(Message.direction == "in")).all()) == 1
    assert list(settings.spool_dir.iterdir()) == []


def test_with_rasa_stopped_a_caller_hears_the_contacts_at_once(
    client: FlaskClient, db: Session
) -> None:
    params = {"CallSid": "CA" + "6" * 32, "From": "+447911123456", "To": "+441214960200"}
    started = time.monotonic()
    response = signed_post(client, "/twilio/voice", params)
    assert time.monotonic() - started < 3
    assert "0808 186 6798" in response.get_data(as_text=True)
    assert db.scalars(select(Message.status).where(Message.direction == "in")).all() == ["pending"]

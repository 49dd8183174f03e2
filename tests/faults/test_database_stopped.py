"""PostgreSQL stopped in the middle of a conversation, on every channel: the person still
hears the crisis contacts at once, and every message reaches the database once it is back,
in order, in the same conversation, with its risk flagged."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.faults.conftest import (
    RISK_TEXT,
    SAMARITANS,
    Answer,
    Cluster,
    call_in,
    call_params,
    chat_in,
    dial_reached,
    inbound_bodies,
    ingest,
    risk_categories,
    text_in,
)
from webhooks.config import Settings

# "A few seconds": far inside Twilio's 15 s, and no waiting on a dead server.
PROMPTLY = 5.0


def assert_safe(answer: Answer) -> None:
    assert answer.status == 200, f"status {answer.status}: {answer.body[:300]}"
    assert SAMARITANS in answer.said, answer.texts
    assert answer.seconds < PROMPTLY, f"took {answer.seconds:.1f} s"


def test_texts_sent_while_the_database_is_stopped_get_the_contacts_and_are_all_stored_later(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    sender = "+447911100001"
    assert text_in(client, "hello", sender).status == 200
    cluster.stop()
    assert_safe(text_in(client, RISK_TEXT, sender))
    assert_safe(text_in(client, "are you still there", sender))
    cluster.start()
    ingest(settings)
    assert inbound_bodies(db_engine, "sms", sender) == ["hello", RISK_TEXT, "are you still there"]
    assert set(risk_categories(db_engine, RISK_TEXT)) == {"self"}


def test_web_chat_messages_sent_while_the_database_is_stopped_get_the_contacts_and_are_stored(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    assert chat_in(client, "south-essex", "hello").status == 200
    cluster.stop()
    assert_safe(chat_in(client, "south-essex", RISK_TEXT))
    assert_safe(chat_in(client, "south-essex", "are you still there"))
    cluster.start()
    ingest(settings)
    assert inbound_bodies(db_engine, "webchat") == ["hello", RISK_TEXT, "are you still there"]
    assert set(risk_categories(db_engine, RISK_TEXT)) == {"self"}


def test_a_caller_whose_call_outlives_the_database_hears_the_contacts_and_is_offered_a_line(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    call_sid = "CA" + "7" * 32
    assert call_in(client, "/twilio/voice", call_params(call_sid)).status == 200
    cluster.stop()
    for words in (RISK_TEXT, "my name is Sam Jones"):
        answer = call_in(client, "/twilio/voice/answer", call_params(call_sid, SpeechResult=words))
        assert_safe(answer)
        # Put through to a person; an unanswered line comes back to the gateway.
        dial = dial_reached(client, answer, call_sid)
        assert dial.get("action"), answer.body
        assert dial.get("timeout"), answer.body
        assert (dial.text or "").strip() or list(dial), "the <Dial> names no number"
    cluster.start()
    ingest(settings)
    stored = inbound_bodies(db_engine, "voice", call_sid)
    assert stored == ["[call started]", RISK_TEXT, "my name is Sam Jones"]
    assert set(risk_categories(db_engine, RISK_TEXT)) == {"self"}

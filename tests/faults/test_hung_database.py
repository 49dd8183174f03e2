"""A database that hangs rather than refuses (another connection holds a lock on the
messages table): a text still gets a safe answer inside Twilio's 15 s, and is not lost."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.faults.conftest import (
    SAMARITANS,
    Answer,
    Cluster,
    in_thread,
    inbound_bodies,
    ingest,
    text_in,
)
from webhooks.config import Settings

# Twilio gives up at 15 s; the answer must be well inside it.
BUDGET_SECONDS = 12.0
PERSON = "+447911500001"


def test_a_text_arriving_while_the_messages_table_is_locked_is_answered_in_time_and_kept(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    holder = db_engine.connect()
    transaction = holder.begin()
    holder.exec_driver_sql("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
    try:
        thread, outcome = in_thread(lambda: text_in(client, "hello, is anyone there", PERSON))
        thread.join(timeout=BUDGET_SECONDS)
    finally:
        # Released even when the turn hangs, so the test ends and nothing stays blocked.
        transaction.rollback()
        holder.close()
    thread.join(timeout=30)
    [answer] = outcome
    assert isinstance(answer, Answer), f"the request failed: {answer!r}"
    assert answer.seconds < BUDGET_SECONDS, f"answered after {answer.seconds:.1f} s"
    assert answer.status == 200, answer.body[:300]
    assert SAMARITANS in answer.said, answer.texts
    ingest(settings)
    assert inbound_bodies(db_engine, "sms", PERSON) == ["hello, is anyone there"]

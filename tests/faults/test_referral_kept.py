"""A referral the database cannot take when the person confirms it: they are not told it
was sent, it is kept on disk with its answers, and the ingester puts it in the team's
queue once the database takes it again (once, however often the ingester runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.faults.conftest import (
    ALLOW_REFERRALS,
    REFUSE_REFERRALS,
    SOUTH_ESSEX,
    Answer,
    Cluster,
    ingest,
    referral_record,
    spool_files,
    stub_rasa,
    text_in,
)
from webhooks.config import Settings
from webhooks.core import spool
from webhooks.db import accounts
from webhooks.db.crypto import lookup_hash
from webhooks.db.models import Conversation, Referral

PERSON = "+447911300001"


def hand_over(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa's reply to the person's "yes": the finished referral, for the gateway to commit."""
    return [{"recipient_id": body["sender"], "custom": {"referral": referral_record()}}]


def assert_kept_not_sent(answer: Answer, settings: Settings) -> None:
    """The person was answered without a claim that it was sent; the referral is on disk."""
    assert answer.status == 200, answer.body[:300]
    assert answer.texts, "the person was told nothing"
    assert "has been sent" not in answer.said.lower(), answer.texts
    kept = sorted((settings.spool_dir / "referrals").glob("*.json"))
    assert len(kept) == 1, f"kept on disk: {spool_files(settings.spool_dir)}"
    assert "Sam Jones" in str(spool.read_referral(kept[0]).record), "the answers were not kept"


def assert_reaches_the_team_once(
    answer: Answer, settings: Settings, db_engine: Engine, app: Flask, runs: int = 1
) -> None:
    """After the ingester's runs: one referral, with its answers, in the queue and the API."""
    for _ in range(runs):
        ingest(settings)
    with Session(db_engine) as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.contact_hash == lookup_hash(PERSON))
        ).one()
        [referral] = session.scalars(select(Referral)).all()
        assert referral.conversation_id == conversation.id
        assert [a.question_id for a in referral.answers] == ["full_name", "consent_ld_team"]
        reference = referral.reference
        token = accounts.create_api_token(session, "south-essex")
        session.commit()
    # Only now is it sent; the person was never given its reference as if it were.
    assert reference not in answer.said
    response = app.test_client().get("/api/referrals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json is not None
    [listed] = response.json["referrals"]
    assert listed["reference"] == reference
    assert listed["fields"]["full_name"] == "Sam Jones"
    assert spool_files(settings.spool_dir) == []


def test_a_referral_the_database_refuses_is_kept_and_reaches_the_team_when_it_is_back(
    cluster: Cluster, gateway: Callable[..., Flask], settings: Settings, db_engine: Engine
) -> None:
    with db_engine.begin() as connection:
        connection.exec_driver_sql(REFUSE_REFERRALS)
    with stub_rasa(hand_over) as rasa:
        app = gateway(rasa.url)
        answer = text_in(app.test_client(), "yes", PERSON, to=SOUTH_ESSEX)
    assert_kept_not_sent(answer, settings)
    with db_engine.begin() as connection:
        connection.exec_driver_sql(ALLOW_REFERRALS)
    # Twice: a second round must not store it again.
    assert_reaches_the_team_once(answer, settings, db_engine, app, runs=2)


def test_a_referral_handed_over_as_the_database_stops_is_kept_and_reaches_the_team_later(
    cluster: Cluster, gateway: Callable[..., Flask], settings: Settings, db_engine: Engine
) -> None:
    def stop_then_hand_over(body: dict[str, Any]) -> list[dict[str, Any]]:
        # The person's "yes" is stored; the database dies while Rasa is answering.
        cluster.stop()
        return hand_over(body)

    with stub_rasa(stop_then_hand_over) as rasa:
        app = gateway(rasa.url)
        answer = text_in(app.test_client(), "yes", PERSON, to=SOUTH_ESSEX)
    assert_kept_not_sent(answer, settings)
    cluster.start()
    assert_reaches_the_team_once(answer, settings, db_engine, app)

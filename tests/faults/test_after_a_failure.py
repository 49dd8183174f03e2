"""What a failure must not take with it: risk the flow found as the database stopped, a
referral stored twice when the ingester crashed after storing it, and everything behind a
spooled file the database refuses."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.faults.conftest import (
    ALLOW_REFERRALS,
    REFUSE_REFERRALS,
    SOUTH_ESSEX,
    Cluster,
    all_inbound_bodies,
    ingest,
    referral_record,
    risk_categories,
    stub_rasa,
    text_in,
)
from webhooks.config import Settings
from webhooks.core.spool import SpooledMessage, read_message, spool
from webhooks.db.models import Referral

PERSON = "+447911300002"


def test_risk_the_flow_found_as_the_database_stopped_is_kept_and_flagged_later(
    cluster: Cluster, gateway: Callable[..., Flask], settings: Settings, db_engine: Engine
) -> None:
    def stop_then_flag(body: dict[str, Any]) -> list[dict[str, Any]]:
        # A "yes" to the self-harm question: the flow says so, and the database dies.
        cluster.stop()
        risk = {"category": "self", "source": "self_harm", "perspective": "self"}
        return [{"recipient_id": body["sender"], "custom": {"risk": risk}}]

    with stub_rasa(stop_then_flag) as rasa:
        app = gateway(rasa.url)
        answer = text_in(app.test_client(), "yes", PERSON, to=SOUTH_ESSEX)
    assert answer.status == 200
    assert "116 123" in answer.said  # the contacts, though nothing could be written
    cluster.start()
    ingest(settings)
    assert risk_categories(db_engine, "yes") == ["self"]


def test_a_referral_stored_just_before_the_ingester_died_is_not_stored_again(
    cluster: Cluster, gateway: Callable[..., Flask], settings: Settings, db_engine: Engine
) -> None:
    with db_engine.begin() as connection:
        connection.exec_driver_sql(REFUSE_REFERRALS)
    with stub_rasa(
        lambda body: [{"recipient_id": body["sender"], "custom": {"referral": referral_record()}}]
    ) as rasa:
        text_in(gateway(rasa.url).test_client(), "yes", PERSON, to=SOUTH_ESSEX)
    with db_engine.begin() as connection:
        connection.exec_driver_sql(ALLOW_REFERRALS)
    [kept] = (settings.spool_dir / "referrals").glob("*.json")
    copy = settings.spool_dir.parent / "copy.json"
    shutil.copy(kept, copy)
    ingest(settings)
    # As if the ingester had died after its commit and before removing the file.
    shutil.copy(copy, kept)
    ingest(settings)
    with Session(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(Referral)) == 1
    assert not kept.exists()


def test_a_spooled_file_the_database_refuses_is_set_aside_and_the_rest_are_stored(
    cluster: Cluster, settings: Settings, db_engine: Engine
) -> None:
    def kept(text: str, team_id: str = "together-london") -> None:
        spool(
            settings.spool_dir,
            SpooledMessage(team_id, "sms", PERSON, text, None, "2026-11-24T10:00:00+00:00"),
        )

    kept("before")
    kept("refused", team_id=None)  # type: ignore[arg-type]  # the database refuses a NULL
    (settings.spool_dir / "9999-unreadable.json").write_text("{not json", encoding="utf-8")
    kept("after")
    ingest(settings)
    assert all_inbound_bodies(db_engine) == ["before", "after"]
    aside = sorted(path.name for path in (settings.spool_dir / "set-aside").iterdir())
    assert len(aside) == 2
    refused = [
        read_message(path).text
        for path in (settings.spool_dir / "set-aside").iterdir()
        if path.name != "9999-unreadable.json"
    ]
    assert refused == ["refused"]
    assert sorted(path.name for path in settings.spool_dir.glob("*.json")) == []

"""Liveness and readiness: ready only when every part answers and nothing is stuck."""

from __future__ import annotations

import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import make_referral
from webhooks import create_app
from webhooks.config import Settings
from webhooks.db.models import Alert
from webhooks.observability.backlog import SPOOL_STALE_SECONDS


def add_alert(
    db: Session,
    status: str,
    attempts: int = 0,
    last_error: str | None = None,
    acknowledged: bool = False,
) -> Alert:
    """An urgent alert (with its referral) as `triage alerts` leaves it."""
    referral = make_referral(db, "south-essex")
    if acknowledged:
        referral.acknowledged_at = OPEN_HOURS
    alert = Alert(
        referral_id=referral.id,
        kind="sms",
        target="+447700900123",
        status=status,
        attempts=attempts,
        last_error=last_error,
    )
    db.add(alert)
    db.commit()
    return alert


def spooled(spool_dir: Path, name: str, age_seconds: float) -> Path:
    """A file in the spool last written `age_seconds` ago."""
    path = spool_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def readiness(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response.json is not None
    return response.status_code, response.json


def test_it_is_alive(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_it_is_not_ready_while_rasa_is_down(client: FlaskClient) -> None:
    status, body = readiness(client)
    assert status == 503
    assert body["checks"] == {
        "database": True,
        "rasa": False,
        "action_server": False,
        "spool_draining": True,
        "alerts_delivered": True,
    }
    assert body["reasons"] == ["Rasa not answering", "action server not answering"]


@pytest.mark.parametrize(
    "name",
    [
        "2026-11-24T100000-aa.json",
        "held/2026-11-24T100000-bb.json",  # a subfolder (e.g. referrals kept on disk)
        ".2026-11-24T100000-cc.json.tmp",  # being written
        ".2026-11-24T100000-dd.json.4242.claimed",  # claimed by a worker that died
    ],
)
def test_it_is_not_ready_while_something_waits_too_long_in_the_spool(
    client: FlaskClient, settings: Settings, name: str
) -> None:
    spooled(settings.spool_dir, name, SPOOL_STALE_SECONDS + 60)
    status, body = readiness(client)
    assert status == 503
    assert body["checks"]["spool_draining"] is False
    assert "spool not draining" in body["reasons"]
    waited = [reason for reason in body["reasons"] if reason.startswith("oldest spooled")]
    assert re.fullmatch(r"oldest spooled item waiting 36\d s \(limit 300 s\)", waited[0])


def test_a_message_spooled_moments_ago_is_still_draining(
    client: FlaskClient, settings: Settings
) -> None:
    spooled(settings.spool_dir, "2026-11-24T100000-aa.json", 5)
    _, body = readiness(client)
    assert body["checks"]["spool_draining"] is True


def test_files_set_aside_as_unreadable_do_not_hold_readiness_back(
    client: FlaskClient, settings: Settings
) -> None:
    # Only a person can deal with them; /metrics counts them (triage_spool_set_aside).
    spooled(settings.spool_dir, "set-aside/2026-11-24T100000-aa.json", SPOOL_STALE_SECONDS * 10)
    _, body = readiness(client)
    assert body["checks"]["spool_draining"] is True


@pytest.mark.parametrize(
    ("status", "attempts", "last_error"),
    [("failed", 20, "twilio 500"), ("failed", 1, "twilio 400"), ("pending", 3, "twilio 503")],
)
def test_it_is_not_ready_while_urgent_alerts_fail(
    client: FlaskClient, db: Session, status: str, attempts: int, last_error: str
) -> None:
    add_alert(db, status, attempts, last_error)
    code, body = readiness(client)
    assert code == 503
    assert body["checks"]["alerts_delivered"] is False
    assert "urgent alerts failing" in body["reasons"]


@pytest.mark.parametrize(
    ("status", "attempts", "last_error", "acknowledged"),
    [
        ("pending", 5, None, False),  # sent, and repeated until acknowledged
        ("pending", 2, "twilio 503", False),  # a blip: retried within minutes
        ("acknowledged", 4, None, True),
        ("failed", 20, "twilio 500", True),  # a practitioner has the referral anyway
    ],
)
def test_alerts_that_get_through_or_no_longer_matter_leave_it_ready(
    client: FlaskClient,
    db: Session,
    status: str,
    attempts: int,
    last_error: str | None,
    acknowledged: bool,
) -> None:
    add_alert(db, status, attempts, last_error, acknowledged)
    _, body = readiness(client)
    assert body["checks"]["alerts_delivered"] is True


def test_with_the_database_down_it_says_so_and_leaves_alerts_unknown(
    app_without_database: Flask,
) -> None:
    status, body = readiness(app_without_database.test_client())
    assert status == 503
    assert body["checks"]["database"] is False
    assert body["checks"]["alerts_delivered"] is None
    assert "database not answering" in body["reasons"]


def test_a_database_whose_alerts_cannot_be_read_is_not_taken_on_trust(
    settings: Settings, tmp_path: Path
) -> None:
    empty = replace(settings, database_url=f"sqlite:///{tmp_path / 'no-tables.db'}")
    app = create_app(empty)
    status, body = readiness(app.test_client())
    app.extensions["engine"].dispose()
    assert status == 503
    assert body["checks"]["database"] is True
    assert body["checks"]["alerts_delivered"] is False
    assert "alerts not readable" in body["reasons"]

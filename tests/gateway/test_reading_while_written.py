"""A page or API call that reads is never refused because someone else wrote meanwhile.

On SQLite a reading request's transaction begins DEFERRED: it sees the database as it was
when it first read. Had it written from that snapshot (its audit entry, a token's last
use) after another process committed (the alerts worker, a person's turn), SQLite refuses
at once, with no waiting, and the practitioner gets a 500. Here another connection
commits after every read a request makes, as a busy gateway would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_request_context, request
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.db import accounts
from webhooks.db.engine import ReadingRequestWrote, db_session
from webhooks.db.models import ApiToken, AuditEvent

Login = Callable[..., None]
TEAM = "south-essex"


@pytest.fixture
def busy(app: Flask) -> Iterator[list[str]]:
    """After each read of a GET request, another connection commits a write. Yields the
    statements it wrote after, so a test can see the interleaving happened."""
    path = make_url(app.extensions["engine"].url).database
    assert path, "a file database is needed for another connection to share"
    elsewhere = sqlite3.connect(Path(path), isolation_level=None, timeout=0)
    elsewhere.execute("CREATE TABLE IF NOT EXISTS elsewhere (n INTEGER)")
    interleaved: list[str] = []

    def write_elsewhere(*args: Any) -> None:
        statement: str = args[2]
        if not (has_request_context() and request.method == "GET"):
            return
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        try:
            elsewhere.execute("INSERT INTO elsewhere VALUES (1)")
        except sqlite3.OperationalError:
            return  # this request holds the write lock: nobody else can write now
        interleaved.append(statement)

    engine = app.extensions["engine"]
    event.listen(engine, "after_cursor_execute", write_elsewhere)
    yield interleaved
    event.remove(engine, "after_cursor_execute", write_elsewhere)
    elsewhere.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/api/referrals",
        "/api/referrals/{id}",
        "/api/referrals/{id}/fhir",
        "/api/follow-ups",
    ],
)
def test_api_reads_are_answered_and_audited(
    client: FlaskClient, db: Session, busy: list[str], path: str
) -> None:
    referral = make_referral(db, TEAM)
    token = accounts.create_api_token(db, TEAM)
    db.commit()

    response = client.get(path.format(id=referral.id), headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.text
    assert busy, "no write was interleaved: the test proves nothing"
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert db.scalar(select(ApiToken.last_used_at)) is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "audited"),
    [
        ("/queue", 1),
        ("/queue/{id}", 1),
        ("/queue/audit", 1),
        ("/queue/audit.csv", 1),
        ("/queue/export.csv", 1),
        # The list's rows keep themselves current every few seconds: not an entry each time.
        ("/queue/rows", 0),
    ],
)
def test_queue_pages_are_answered_and_audited(
    client: FlaskClient,
    db: Session,
    practitioner_login: Login,
    busy: list[str],
    path: str,
    audited: int,
) -> None:
    referral = make_referral(db, TEAM)
    practitioner_login(TEAM, lead=True)
    db.commit()
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    db.commit()

    response = client.get(path.format(id=referral.id))

    assert response.status_code == 200, response.text
    assert busy, "no write was interleaved: the test proves nothing"
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == (before or 0) + audited


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_reading_session_refuses_a_write_statement_too(app: Flask) -> None:
    """Not only objects flushed: an UPDATE executed through a reading request's session
    is refused, wherever it comes from."""
    with app.test_request_context(method="GET"):
        session = db_session()
        with pytest.raises(ReadingRequestWrote):
            session.execute(update(ApiToken).values(name="changed"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_download_that_is_not_there_is_not_audited(
    client: FlaskClient, db: Session, busy: list[str]
) -> None:
    referral = make_referral(db, TEAM)
    token = accounts.create_api_token(db, TEAM)
    db.commit()

    response = client.get(
        f"/api/referrals/{referral.id}/documents/999999",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 404
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 0

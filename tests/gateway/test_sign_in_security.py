"""Sign-in that resists attack: throttling and lockout, the same work for unknown emails,
redirects that stay on the site, sessions that end when idle or when the account changes."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from tests.conftest import OPEN_HOURS
from webhooks.cli import main
from webhooks.config import Settings
from webhooks.db import accounts, sign_in
from webhooks.db.models import AuditEvent, Practitioner
from webhooks.web import create_app
from webhooks.web.queue.auth import SEEN_KEY, safe_next

EMAIL = "sam@example.nhs.uk"
PASSWORD = "a long and correct password"


@pytest.fixture
def sam(db: Session, app: Flask) -> Practitioner:
    """A South Essex practitioner; CSRF off so the tests post the form directly."""
    app.config["WTF_CSRF_ENABLED"] = False
    found = accounts.upsert_practitioner(
        db, EMAIL, "Sam", generate_password_hash(PASSWORD), "south-essex"
    )
    db.commit()
    return found


def sign_in_as(client: FlaskClient, password: str, email: str = EMAIL, next_: str = "") -> Any:
    path = f"/login?next={next_}" if next_ else "/login"
    return client.post(path, data={"email": email, "password": password})


def test_after_ten_wrong_passwords_the_right_one_is_refused_for_a_while(
    client: FlaskClient, sam: Practitioner
) -> None:
    for _ in range(10):
        assert sign_in_as(client, "wrong guess").status_code == 200
    refused = sign_in_as(client, PASSWORD)
    assert refused.status_code == 429
    assert "Too many tries" in refused.get_data(as_text=True)


def test_the_lockout_outlives_the_throttle_and_is_lifted_by_enable(
    settings: Settings, db: Session, sam: Practitioner
) -> None:
    first = create_app(settings)
    first.config["WTF_CSRF_ENABLED"] = False
    for _ in range(10):
        sign_in_as(first.test_client(), "wrong guess")
    first.extensions["engine"].dispose()
    # A new gateway (a restart, another worker) counts afresh, but the account is locked.
    second = create_app(settings)
    second.config["WTF_CSRF_ENABLED"] = False
    try:
        assert sign_in_as(second.test_client(), PASSWORD).status_code == 429
        result = CliRunner().invoke(
            main, ["user", "enable", "--email", EMAIL], env={"DATABASE_URL": settings.database_url}
        )
        assert result.exit_code == 0, result.output
        assert sign_in_as(second.test_client(), PASSWORD).status_code == 302
    finally:
        second.extensions["engine"].dispose()


def test_the_lockout_runs_out(db: Session, sam: Practitioner) -> None:
    for _ in range(sign_in.MAX_FAILED_SIGN_INS):
        sign_in.check(db, EMAIL, "wrong guess", OPEN_HOURS)
    assert sign_in.check(db, EMAIL, PASSWORD, OPEN_HOURS).refused is sign_in.Refusal.LOCKED
    later = OPEN_HOURS + sign_in.LOCKOUT + timedelta(seconds=1)
    assert sign_in.check(db, EMAIL, PASSWORD, later).refused is None


def test_an_unknown_email_costs_a_password_check_and_reads_the_same(
    client: FlaskClient, sam: Practitioner, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = sign_in.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(sign_in, "check_password_hash", counting)
    unknown = sign_in_as(client, "anything at all", email="nobody@example.nhs.uk")
    wrong = sign_in_as(client, "anything at all")
    assert len(checked) == 2
    assert unknown.status_code == wrong.status_code == 200
    assert "do not match" in unknown.get_data(as_text=True)
    assert "do not match" in wrong.get_data(as_text=True)


def test_every_attempt_is_audited_and_no_password_is_kept_or_logged(
    client: FlaskClient, db: Session, sam: Practitioner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in_as(client, "first wrong guess")
    sign_in_as(client, "a guess for nobody", email="nobody@example.nhs.uk")
    sign_in_as(client, PASSWORD)
    db.rollback()
    entries = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_name) for e in entries] == [
        ("sign_in_refused", "Sam"),
        ("sign_in_refused", "Unknown email"),
        ("sign_in", "Sam"),
    ]
    assert entries[0].detail == {"reason": "wrong_password"}
    assert all(entry.address == "127.0.0.1" for entry in entries)
    kept = repr([(e.detail, e.actor_key) for e in entries]) + caplog.text
    for secret in ("first wrong guess", "a guess for nobody", PASSWORD):
        assert secret not in kept


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.com", "//evil.com", "https://evil.com/queue", "/\\evil.com", "evil.com", "%0a//x"],
)
def test_a_redirect_that_would_leave_the_site_goes_to_the_queue(
    client: FlaskClient, sam: Practitioner, target: str
) -> None:
    response = sign_in_as(client, PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/queue"


def test_a_redirect_within_the_site_is_kept() -> None:
    assert safe_next("/queue/referrals/5?tab=history") == "/queue/referrals/5?tab=history"


def test_an_idle_session_signs_in_again(app: Flask, client: FlaskClient, sam: Practitioner) -> None:
    sign_in_as(client, PASSWORD)
    assert client.get("/queue").status_code == 200
    idle = app.extensions["triage"].settings.idle_timeout_minutes
    with client.session_transaction() as cookie:
        cookie[SEEN_KEY] = (OPEN_HOURS - timedelta(minutes=idle + 1)).timestamp()
    assert client.get("/queue").headers["Location"].startswith("/login")
    # Still signed out after: the cookie no longer names the account.
    assert client.get("/queue").status_code == 302


def test_signing_out_everywhere_ends_the_other_sessions(app: Flask, sam: Practitioner) -> None:
    office, phone = app.test_client(), app.test_client()
    sign_in_as(office, PASSWORD)
    sign_in_as(phone, PASSWORD)
    assert phone.get("/queue").status_code == 200
    office.post("/logout/everywhere")
    assert phone.get("/queue").status_code == 302
    assert office.get("/queue").status_code == 302


@pytest.mark.parametrize(
    "command",
    [
        ["user", "disable", "--email", EMAIL],
        ["user", "reset-password", "--email", EMAIL, "--password", "another long password"],
    ],
)
def test_disabling_or_a_new_password_ends_every_session(
    client: FlaskClient, settings: Settings, sam: Practitioner, command: list[str]
) -> None:
    sign_in_as(client, PASSWORD)
    assert client.get("/queue").status_code == 200
    result = CliRunner().invoke(main, command, env={"DATABASE_URL": settings.database_url})
    assert result.exit_code == 0, result.output
    assert client.get("/queue").status_code == 302
    # The old password no longer signs in (disabled, or replaced).
    assert sign_in_as(client, PASSWORD).status_code == 200


def test_a_disabled_account_cannot_sign_in_until_enabled(
    client: FlaskClient, db: Session, sam: Practitioner
) -> None:
    sign_in.disable(db, sam, OPEN_HOURS)
    db.commit()
    assert sign_in_as(client, PASSWORD).status_code == 200
    sign_in.enable(db, sam)
    db.commit()
    assert sign_in_as(client, PASSWORD).status_code == 302


def test_a_new_account_names_its_team_or_says_all_teams(settings: Settings) -> None:
    env = {"DATABASE_URL": settings.database_url}
    base = ["user", "create", "--email", "x@example.nhs.uk", "--name", "X"]
    password = ["--password", "a long enough password"]
    neither = CliRunner().invoke(main, [*base, *password], env=env)
    assert neither.exit_code != 0
    assert "--all-teams" in neither.output
    both = CliRunner().invoke(main, [*base, "--team", "south-essex", "--all-teams", *password])
    assert both.exit_code != 0
    every = CliRunner().invoke(main, [*base, "--all-teams", *password], env=env)
    assert every.exit_code == 0, every.output


def test_with_redis_the_wrong_tries_are_counted_across_workers(
    settings: Settings, db: Session, sam: Practitioner, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL", "").strip()
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    monkeypatch.setenv("REDIS_URL", redis_url)
    # Two gateway workers: the same Redis holds their counts. An email of this run's own,
    # so a run beside it (another test worker) never shares its count.
    stranger = f"nobody-{uuid.uuid4().hex}@example.nhs.uk"
    first, second = create_app(settings), create_app(settings)
    try:
        for app in (first, second):
            app.config["WTF_CSRF_ENABLED"] = False
        for attempt in range(10):
            worker = first if attempt % 2 else second
            sign_in_as(worker.test_client(), "wrong guess", email=stranger)
        refused = sign_in_as(first.test_client(), "anything", email=stranger)
        assert refused.status_code == 429
        # Counted in Redis itself (a worker in another process reads the same counts).
        assert Redis.from_url(redis_url).keys("LIMITS*")
    finally:
        for app in (first, second):
            app.extensions["engine"].dispose()

"""API tokens that expire, can be listed and revoked, and record when they were last used."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from webhooks.cli import main
from webhooks.config import Settings
from webhooks.db import accounts
from webhooks.db.models import ApiToken


def call(client: FlaskClient, token: str) -> int:
    response = client.get("/api/referrals", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def invoke(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": settings.database_url})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_token_records_when_it_was_last_used(client: FlaskClient, db: Session) -> None:
    value = accounts.create_api_token(db, "south-essex", "Duty desk")
    db.commit()
    assert call(client, value) == 200
    db.rollback()
    [token] = db.query(ApiToken).all()
    assert token.last_used_at == OPEN_HOURS


def test_an_expired_token_is_refused(client: FlaskClient, db: Session) -> None:
    value = accounts.create_api_token(db, "south-essex", "Old", OPEN_HOURS - timedelta(seconds=1))
    fresh = accounts.create_api_token(db, "south-essex", "New", OPEN_HOURS + timedelta(days=1))
    db.commit()
    assert call(client, value) == 401
    assert call(client, fresh) == 200


def test_create_list_and_revoke_from_the_command_line(
    client: FlaskClient, db: Session, settings: Settings
) -> None:
    value = invoke(settings, "token", "create", "--team", "south-essex", "--name", "Desk")
    value = value.strip().splitlines()[-1]
    forever = invoke(settings, "token", "create", "--team", "south-essex", "--expires", "never")
    assert call(client, value) == 200
    listed = invoke(settings, "token", "list").splitlines()
    [desk] = [line for line in listed if "\tDesk\t" in line]
    token_id = desk.split("\t")[0]
    assert desk.endswith("\tworks")
    # Made now (the real clock) for 90 days by default; the other never expires.
    assert "never" not in desk.split("\t")[4]
    [other] = [line for line in listed if line.split("\t")[0] != token_id and "id" not in line]
    assert other.split("\t")[4] == "never"
    assert forever.strip()
    assert "Token" in invoke(settings, "token", "revoke", token_id)
    assert call(client, value) == 401
    [desk] = [line for line in invoke(settings, "token", "list").splitlines() if "Desk" in line]
    assert "\trevoked " in desk


def test_a_bad_expiry_or_unknown_token_is_a_clear_error(settings: Settings) -> None:
    env = {"DATABASE_URL": settings.database_url}
    bad = CliRunner().invoke(
        main, ["token", "create", "--team", "south-essex", "--expires", "soon"], env=env
    )
    assert bad.exit_code != 0 and "90d" in bad.output
    missing = CliRunner().invoke(main, ["token", "revoke", "999"], env=env)
    assert missing.exit_code != 0 and "no token 999" in missing.output

"""`triage up` makes demo accounts only for development, one team each, never every team."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from tests.conftest import TEST_DATA_KEY, TEST_LOOKUP_KEY
from webhooks.cli import main
from webhooks.cli.up import OLD_DEMO_EMAIL, ensure_demo_practitioners
from webhooks.config import Settings
from webhooks.db import accounts, crypto
from webhooks.db.models import Practitioner
from webhooks.dev.secrets import ModeError, development_keys, development_mode


def test_development_unless_told_production() -> None:
    assert development_mode({})
    assert development_mode({"TRIAGE_ENV": "Development"})
    assert not development_mode({"TRIAGE_ENV": "production"})
    with pytest.raises(ModeError):
        development_mode({"TRIAGE_ENV": "staging"})


def test_one_demo_lead_per_team_and_the_old_all_teams_one_disabled(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.upsert_practitioner(db, OLD_DEMO_EMAIL, "Demo", generate_password_hash("x"), None)
    db.commit()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    ensure_demo_practitioners()
    db.rollback()
    found = {p.email: p for p in db.scalars(select(Practitioner))}
    demos = {email: p for email, p in found.items() if email != OLD_DEMO_EMAIL}
    assert sorted(p.team_id or "" for p in demos.values()) == [
        "coventry-warwickshire",
        "south-essex",
        "together-london",
    ]
    assert all(p.role == "lead" and p.disabled_at is None for p in demos.values())
    assert found[OLD_DEMO_EMAIL].disabled_at is not None


def test_a_command_beside_triage_up_uses_its_local_keys_but_production_needs_its_own(
    settings: Settings,
) -> None:
    development_keys({})  # as `triage up` makes them, the first time it starts
    unset = {"TRIAGE_DATA_KEYS": None, "TRIAGE_LOOKUP_KEY": None}
    env = {"DATABASE_URL": settings.database_url, **unset}
    try:
        local = CliRunner().invoke(main, ["token", "list"], env=env)
        assert local.exit_code == 0, local.output
        production = CliRunner().invoke(
            main, ["token", "list"], env={**env, "TRIAGE_ENV": "production"}
        )
        assert production.exit_code == 1
        assert "TRIAGE_DATA_KEYS is not set" in production.output
    finally:
        crypto.configure((TEST_DATA_KEY,), TEST_LOOKUP_KEY)

"""Helpers the commands share: database from the environment, team ids, the local URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from webhooks.config import DEFAULT_DATABASE_URL, PROJECT_ROOT
from webhooks.db import crypto
from webhooks.db.engine import make_engine
from webhooks.dev.secrets import ModeError, development_keys, development_mode
from webhooks.teams import TeamDirectory, load_teams


def database_url_from_env() -> str:
    """DATABASE_URL, or the embedded SQLite default."""
    return os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def engine_from_env() -> Engine:
    """The engine for DATABASE_URL (or the embedded SQLite default), with the keys of the
    personal data in it (TRIAGE_DATA_KEYS, TRIAGE_LOOKUP_KEY) set for this process."""
    environ = dict(os.environ)
    try:
        if development_mode(environ):
            # The local keys `triage up` uses, so a command beside it reads the same data.
            environ.update(development_keys(environ, make=False))
        crypto.configure_from_env(environ)
    except (crypto.KeysMissing, ModeError) as error:
        raise click.ClickException(str(error)) from error
    return make_engine(database_url_from_env())


@contextmanager
def session_from_env() -> Iterator[Session]:
    """A session on DATABASE_URL whose engine is closed afterwards: a command that ends
    leaves no connection behind for the garbage collector."""
    engine = engine_from_env()
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def team_directory() -> TeamDirectory:
    """The configured teams."""
    data_dir = os.environ.get("TRIAGE_DATA_DIR", "").strip() or str(PROJECT_ROOT / "data")
    return load_teams(Path(data_dir) / "teams")


def check_team(team_id: str | None) -> None:
    """Fail with the list of team ids when the id is unknown."""
    if team_id is None:
        return
    teams = team_directory()
    if teams.by_id(team_id) is None:
        known = ", ".join(sorted(teams.teams))
        raise click.BadParameter(f"no team {team_id!r}; teams are: {known}", param_hint="--team")


def default_gateway_url() -> str:
    """The local gateway, on PORT (default 8000)."""
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"

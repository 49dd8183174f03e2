"""Fixtures shared by every suite: settings, databases (SQLite and PostgreSQL), the app."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url

from webhooks import create_app
from webhooks.config import Settings
from webhooks.db import crypto
from webhooks.db.engine import make_engine
from webhooks.db.migrate import upgrade

TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
# Tests pin the clock to a time every team is open (a Tuesday, mid-morning, in GMT);
# out-of-hours tests pin their own.
OPEN_HOURS = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# Fixed keys for personal data at rest (fixed so a failure can be replayed). Set in the
# environment too: every process a test starts (a worker, a command, the whole stack)
# reads them from there, as a deployment's processes do.
TEST_DATA_KEY = "m9Jm0e1Bq7u4mM1d0Q3x8b7yVx2QnQnV6r5cT1f3JkM="
TEST_LOOKUP_KEY = "test-lookup-key-of-at-least-thirty-two-characters"
os.environ.setdefault("TRIAGE_DATA_KEYS", TEST_DATA_KEY)
os.environ.setdefault("TRIAGE_LOOKUP_KEY", TEST_LOOKUP_KEY)
crypto.configure_from_env(os.environ)


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pytest_report_header() -> str:
    """Say loudly which databases the DB tests use."""
    if POSTGRES_URL:
        return f"DB tests run on SQLite and on PostgreSQL ({make_url(POSTGRES_URL).host})"
    return (
        "WARNING: TEST_DATABASE_URL is not set, so DB tests run on SQLite ONLY. "
        "Set it (e.g. postgresql://postgres@127.0.0.1:5432/test) to test PostgreSQL too."
    )


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL for a fresh, empty PostgreSQL schema of its own, dropped afterwards.

    Each test gets its own schema: parallel runs and leftovers never collide.
    """
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set (see the warning in the header)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL)
    url = url.set(query={**url.query, "options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrate(url: str) -> None:
    """Apply every migration, then let go of the connection."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


@dataclass(frozen=True)
class MigratedSchema:
    """A PostgreSQL schema migrated once per test session (per xdist worker), emptied
    before each test that uses it: the real migrated schema, without migrating each time."""

    url: str
    engine: Engine
    emptying: str

    def empty(self) -> None:
        """Delete every row (the migrations' own record excepted) and restart the ids."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self.emptying)


def emptying_statements(engine: Engine, schema: str) -> str:
    """SQL that deletes every row, children before parents, and restarts every sequence."""
    tables = MetaData()
    tables.reflect(bind=engine, schema=schema)
    deletes = [
        f'DELETE FROM "{schema}"."{table.name}"'
        for table in reversed(tables.sorted_tables)
        if table.name != "alembic_version"
    ]
    with engine.connect() as connection:
        sequences = connection.execute(
            text(
                "SELECT sequence_name FROM information_schema.sequences"
                " WHERE sequence_schema = :schema ORDER BY sequence_name"
            ),
            {"schema": schema},
        ).scalars()
        restarts = [f'ALTER SEQUENCE "{schema}"."{name}" RESTART' for name in sequences]
    return "; ".join([*deletes, *restarts])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once per session: tests get copies."""
    template = tmp_path_factory.mktemp("migrated") / "triage.db"
    migrate(f"sqlite:///{template}")
    # The last connection closed has checkpointed the write-ahead log into the file.
    assert not template.with_name("triage.db-wal").exists()
    return template


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[MigratedSchema]:
    """A PostgreSQL schema of this session's own, migrated once, dropped at the end."""
    with postgres_schema() as url:
        migrate(url)
        engine = make_engine(url)
        schema = str(make_url(url).query["options"]).removeprefix("-csearch_path=")
        try:
            yield MigratedSchema(url, engine, emptying_statements(engine, schema))
        finally:
            engine.dispose()


DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a copy of the migrated SQLite file, then the session's
    migrated PostgreSQL schema, emptied (the migrations are run once, not per test)."""
    if request.param == "sqlite":
        database = tmp_path / "triage.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database)
        return f"sqlite:///{database}"
    schema: MigratedSchema = request.getfixturevalue("migrated_postgres")
    schema.empty()
    return schema.url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a gateway whose Rasa is not running (a closed local port)."""
    return Settings(
        secret_key="test-secret-key",
        twilio_auth_token=TWILIO_AUTH_TOKEN,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        rasa_timeout_seconds=2.0,
        triage_now=OPEN_HOURS,
        spool_dir=tmp_path / "spool",
        data_keys=(TEST_DATA_KEY,),
        lookup_key=TEST_LOOKUP_KEY,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The gateway built from test settings."""
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the gateway."""
    return app.test_client()

"""Upgrading a database that already holds referrals keeps them (SQLite copies tables)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from flows import load_flows
from tests.conftest import postgres_schema
from webhooks.db import crypto
from webhooks.db.engine import make_engine
from webhooks.db.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with postgres_schema() as url:
        yield url


def test_upgrading_a_database_with_referrals_keeps_them(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (id, team_id, channel, contact_key, created_at,"
                " updated_at) VALUES ('c1', 'south-essex', 'sms', '+447911123456',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO messages (conversation_id, direction, body, status, created_at)"
                " VALUES ('c1', 'in', 'hello', 'answered', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO referrals (reference, conversation_id, team_id, channel, flow_id,"
                " flow_version, status, urgent, submitted_at) VALUES ('LD-AAAAAA', 'c1',"
                " 'south-essex', 'sms', 'south_essex', 1, 'new', false, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM referrals")).scalar() == 1
        row = connection.execute(
            text("SELECT contact_key, callback_requested FROM conversations")
        ).one()
        # Encrypted on the way (0020), and found by its keyed hash.
        assert "+447911123456" not in row[0]
        assert crypto.decrypt(row[0]) == "+447911123456"
        assert not row[1]
        [(body, contact_hash)] = connection.execute(
            text(
                "SELECT body, contact_hash FROM messages"
                " JOIN conversations ON conversations.id = messages.conversation_id"
            )
        ).all()
        assert crypto.decrypt(body) == "hello"
        assert contact_hash == crypto.lookup_hash("+447911123456")
        if make_url(empty_url).get_backend_name() == "sqlite":
            # Foreign keys are back on for the app once the migration is done.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_failed_migration_on_sqlite_leaves_nothing_half_done(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'half.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:  # a table the next migration will try to create
        connection.execute(text("CREATE TABLE alerts (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception, match="already exists"):
        upgrade(engine)  # 0002 applies, then 0003 fails on the existing table
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        tables = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }
    engine.dispose()
    assert version == "0001"
    assert "risk_flags" not in tables  # 0002's table was rolled back with the rest


def test_questions_asked_before_the_upgrade_are_named_by_their_id(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0008")
    asked = load_flows()["south_essex"].question("full_name").ask.plain
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (id, team_id, channel, contact_key, created_at,"
                " updated_at) VALUES ('c1', 'south-essex', 'sms', '+447911123456',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        for direction, body in [("out", asked), ("out", "Thank you."), ("in", asked)]:
            connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, direction, body, status, created_at)"
                    " VALUES ('c1', :direction, :body, 'answered', CURRENT_TIMESTAMP)"
                ),
                {"direction": direction, "body": body},
            )
    upgrade(engine)
    with engine.connect() as connection:
        named = connection.execute(text("SELECT question_id FROM messages ORDER BY id")).all()
    engine.dispose()
    # Only the bot's message in the flow's words: not another reply, not the person's echo.
    assert [row[0] for row in named] == ["full_name", None, None]

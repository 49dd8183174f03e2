"""Migrations and models agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from webhooks.db.models import Base


def test_the_migrations_build_exactly_the_models_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_the_migrations_record_their_version(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "referrals", "referral_answers", "messages"} <= tables

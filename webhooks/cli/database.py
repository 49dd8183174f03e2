"""`triage db upgrade`."""

from __future__ import annotations

import click

from webhooks.cli.common import engine_from_env
from webhooks.db.migrate import upgrade


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration to DATABASE_URL."""
    upgrade(engine_from_env())
    click.echo("Database is up to date.")

"""`triage token create` and `triage user create`: access to the queue and the API."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from webhooks.cli.common import check_team, engine_from_env
from webhooks.db import accounts


@click.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option("--team", "team_id", required=True, help="Team id, e.g. south-essex.")
def create_token(team_id: str) -> None:
    """Print a new bearer token for one team's API access (shown once)."""
    check_team(team_id)
    with Session(engine_from_env()) as session:
        value = accounts.create_api_token(session, team_id)
        session.commit()
    click.echo(value)


@click.group()
def user() -> None:
    """Practitioner accounts for the queue."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--team", "team_id", default=None, help="Team id; leave out for every team.")
@click.password_option()
def create_user(email: str, name: str, team_id: str | None, password: str) -> None:
    """Create a practitioner (or reset their password)."""
    check_team(team_id)
    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="--password")
    with Session(engine_from_env()) as session:
        accounts.upsert_practitioner(
            session, email, name, generate_password_hash(password), team_id
        )
        session.commit()
    click.echo(f"Practitioner {email.strip().lower()} can sign in.")

"""`triage token …` and `triage user …`: access to the queue and the API."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import click
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from webhooks.cli.common import check_team, session_from_env
from webhooks.db import accounts, sign_in
from webhooks.db.models import Practitioner, as_utc

MIN_PASSWORD_LENGTH = 12
# A token lasts 90 days unless asked otherwise: a forgotten integration stops working rather
# than keeping access for ever.
DEFAULT_TOKEN_LIFETIME = "90d"
_LIFETIME = re.compile(r"^(\d+)([dh])$")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _expiry(given: str) -> datetime | None:
    if given.strip().lower() == "never":
        return None
    match = _LIFETIME.match(given.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise click.BadParameter(
            "give a number of days or hours, e.g. 90d or 12h (or 'never')",
            param_hint="--expires",
        )
    amount, unit = int(match.group(1)), match.group(2)
    return _now() + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))


@click.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option("--team", "team_id", required=True, help="Team id, e.g. south-essex.")
@click.option(
    "--name",
    default=None,
    help="Who the token acts for: the owner of its claims and the name in the audit.",
)
@click.option(
    "--expires",
    default=DEFAULT_TOKEN_LIFETIME,
    show_default=True,
    help="How long it works: days (90d) or hours (12h), or 'never'.",
)
def create_token(team_id: str, name: str | None, expires: str) -> None:
    """Print a new bearer token for one team's API access (shown once)."""
    check_team(team_id)
    if name is not None and not name.strip():
        raise click.BadParameter("give a name, or leave --name out", param_hint="--name")
    expires_at = _expiry(expires)
    with session_from_env() as session:
        value = accounts.create_api_token(
            session, team_id, name.strip() if name else None, expires_at
        )
        session.commit()
    click.echo(value)


@token.command("list")
@click.option("--team", "team_id", default=None, help="Only this team's tokens.")
def list_tokens(team_id: str | None) -> None:
    """Every token: id, team, name, made, expires, last used, and whether it still works."""
    check_team(team_id)
    now = _now()
    with session_from_env() as session:
        found = accounts.api_tokens(session, team_id)
        if not found:
            click.echo("No tokens.")
            return
        click.echo("id\tteam\tname\tcreated\texpires\tlast used\tstate")
        for row in found:
            if row.revoked_at is not None:
                state = f"revoked {_day(row.revoked_at)}"
            elif row.expires_at is not None and as_utc(row.expires_at) <= now:
                state = "expired"
            else:
                state = "works"
            click.echo(
                "\t".join(
                    [
                        str(row.id),
                        row.team_id,
                        row.name or "-",
                        _day(row.created_at),
                        _day(row.expires_at) if row.expires_at else "never",
                        _day(row.last_used_at) if row.last_used_at else "never",
                        state,
                    ]
                )
            )


def _day(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


@token.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Stop one token working, at once (its id from `triage token list`)."""
    with session_from_env() as session:
        found = accounts.revoke_token(session, token_id, _now())
        if found is None:
            raise click.ClickException(f"There is no token {token_id} (see `triage token list`).")
        session.commit()
    click.echo(f"Token {token_id} no longer works.")


@click.group()
def user() -> None:
    """Practitioner accounts for the queue."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        )


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--team", "team_id", default=None, help="Team id, e.g. south-essex.")
@click.option(
    "--all-teams", is_flag=True, help="Every team's referrals (instead of --team): use sparingly."
)
@click.option("--lead", is_flag=True, help="A team lead: reassigns referrals, reads the audit.")
@click.password_option()
def create_user(
    email: str, name: str, team_id: str | None, all_teams: bool, lead: bool, password: str
) -> None:
    """Create a practitioner (or reset their password and role)."""
    if all_teams == (team_id is not None):
        raise click.UsageError("give --team <id>, or --all-teams for an account seeing every team")
    check_team(team_id)
    _check_password(password)
    with session_from_env() as session:
        accounts.upsert_practitioner(
            session, email, name, generate_password_hash(password), team_id, lead=lead
        )
        session.commit()
    role = "Team lead" if lead else "Practitioner"
    click.echo(f"{role} {email.strip().lower()} can sign in.")


def _practitioner(session: Session, email: str) -> Practitioner:
    found = accounts.practitioner_by_email(session, email)
    if found is None:
        raise click.ClickException(f"There is no account for {email.strip().lower()}.")
    return found


@user.command("disable")
@click.option("--email", required=True)
def disable_user(email: str) -> None:
    """Stop an account signing in, and end every session it has."""
    with session_from_env() as session:
        sign_in.disable(session, _practitioner(session, email), _now())
        session.commit()
    click.echo(f"{email.strip().lower()} can no longer sign in; every session has ended.")


@user.command("enable")
@click.option("--email", required=True)
def enable_user(email: str) -> None:
    """Let an account sign in again; this also lifts a lockout after wrong passwords."""
    with session_from_env() as session:
        sign_in.enable(session, _practitioner(session, email))
        session.commit()
    click.echo(f"{email.strip().lower()} can sign in.")


@user.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email: str, password: str) -> None:
    """Give an account a new password; every session it has ends."""
    _check_password(password)
    with session_from_env() as session:
        sign_in.set_password(session, _practitioner(session, email), password)
        session.commit()
    click.echo(f"{email.strip().lower()} has a new password; every session has ended.")

"""`triage purge`, `triage subject-access` and `triage erase`: keeping records only as long
as each team's policy says, and a person's rights over what is held about them."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import click
import phonenumbers

from webhooks.cli.common import check_team, database_url_from_env, session_from_env, team_directory
from webhooks.core.purge import Purged, purge
from webhooks.core.subject_rights import erase, held_for, subject_access
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db.retention import BotMemory
from webhooks.dev.rasa_stores import RasaStores, StoreError
from webhooks.retention import CLOSED_REFERRALS
from webhooks.teams import is_fictional
from webhooks.twilio.request import BadTwilioRequest, to_e164


@click.command("purge")
@click.option("--team", "team_id", default=None, help="Only this team (default: every team).")
@click.option("--dry-run", is_flag=True, help="Count what is past its time; delete nothing.")
def purge_command(team_id: str | None, dry_run: bool) -> None:
    """Delete what each team's retention policy (`retention:` in its file) says is past its
    time: conversations that never became a referral, and closed referrals. Open
    referrals are never deleted."""
    check_team(team_id)
    teams = team_directory()
    chosen = [team for team in teams.teams.values() if team_id in (None, team.id)]
    database_url = database_url_from_env()
    with session_from_env() as session:
        done = purge(UnitOfWork(session), chosen, now_from_env(), dry_run, bot_memory(database_url))
    click.echo("Dry run: nothing was deleted. Past their time now:" if dry_run else "Deleted:")
    for line in purge_lines(done):
        click.echo(f"  {line}")
    for team in chosen:
        if team.retention is None:
            click.echo(f"  {team.id}: no retention policy in its team file; nothing purged")


def purge_lines(done: list[Purged]) -> list[str]:
    """One line per team and kind of record: how many."""
    lines = []
    for each in done:
        line = f"{each.team_id}  {each.kind}  {each.count}"
        if each.kind == CLOSED_REFERRALS:
            line += f" (with {each.conversations} conversation(s))"
        lines.append(line)
    return lines


@click.command("subject-access")
@click.option("--phone", required=True, help="The person's number, e.g. +447911123456.")
def subject_access_command(phone: str) -> None:
    """Print (as JSON) everything held about one phone number, in every team:
    conversations, messages, referrals with answers, consents and history, files (their
    details), risk flags. The request is audited, without the number."""
    number = phone_number(phone)
    with session_from_env() as session:
        copy = subject_access(session, number, now_from_env(), bot_memory(database_url_from_env()))
        session.commit()
    click.echo(json.dumps(copy, indent=2, ensure_ascii=False))


@click.command("erase")
@click.option("--phone", required=True, help="The person's number, e.g. +447911123456.")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
def erase_command(phone: str, yes: bool) -> None:
    """Delete everything held about one phone number, in every team, for good. The
    erasure is audited (what was deleted, how much), without the number."""
    number = phone_number(phone)
    with session_from_env() as session:
        held = held_for(session, number)
        if not held:
            click.echo("Nothing is held about that number.")
        for each in held:
            click.echo(
                f"{each.team_id}: {each.conversations} conversation(s), "
                f"{each.referrals} referral(s), {each.opt_outs} STOP record(s)"
            )
        if held and not yes:
            session.rollback()  # no lock held while someone reads the question
            click.confirm("Erase all of this? It cannot be undone", abort=True)
        erase(session, number, now_from_env(), bot_memory(database_url_from_env()))
        session.commit()
    if held:
        click.echo("Erased.")


def phone_number(raw: str) -> str:
    """The number in E.164, normalised as the gateway normalises a sender's; refused
    unless it is a real number (or one of Ofcom's drama numbers the demos use)."""
    try:
        number = to_e164(raw)
    except BadTwilioRequest as error:
        raise click.BadParameter(f"{raw!r} is not a phone number", param_hint="--phone") from error
    if not (phonenumbers.is_valid_number(phonenumbers.parse(number)) or is_fictional(number)):
        raise click.BadParameter(
            f"{raw!r} is not a valid phone number (give it as +447911123456)",
            param_hint="--phone",
        )
    return number


def bot_memory(database_url: str) -> BotMemory | None:
    """Where Rasa keeps its memory of conversations beside this database, if anywhere."""
    try:
        stores = RasaStores.for_urls(database_url, None)
    except StoreError:
        return None  # an in-memory database in a test: Rasa cannot keep anything there
    if stores.schema is not None:
        return BotMemory(database_url, stores.schema)
    return BotMemory(f"sqlite:///{stores.tracker_store['db']}")


def now_from_env() -> datetime:
    """Now, or the moment TRIAGE_NOW pins (as the gateway and the worker read it)."""
    raw = os.environ.get("TRIAGE_NOW", "").strip()
    if not raw:
        return datetime.now(timezone.utc)
    try:
        pinned = datetime.fromisoformat(raw)
    except ValueError as error:
        raise click.ClickException(
            "TRIAGE_NOW must be ISO-8601, e.g. 2026-11-23T21:30:00+00:00"
        ) from error
    if pinned.tzinfo is None:
        raise click.ClickException("TRIAGE_NOW must include a UTC offset, e.g. +00:00")
    return pinned

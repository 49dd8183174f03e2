"""`triage alerts`: the background worker `make run` starts beside the gateway.

Each round it stores what the spool kept while the database was away (messages, and
referrals whose save failed), treats risk checks left unanswered too long as a yes, then
sends the urgent-referral alerts that are due; and once an hour it deletes what the
teams' retention policies say is past its time (`triage purge`). A
database that is down or refuses is waited out with growing pauses, never a crash: one
blip must not stop the worker, nor (through `triage up`) anything else.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from webhooks.cli.retention import bot_memory, purge_lines
from webhooks.config import DEFAULT_VAR_DIR, ConfigError, Settings, settings_from_env
from webhooks.core.alerts import build_transports, deliver_due
from webhooks.core.ingest import Ingester
from webhooks.core.purge import purge
from webhooks.core.risk_check import expire_unanswered
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import crypto
from webhooks.db.engine import make_engine
from webhooks.teams import TeamDirectory, is_fictional, load_teams
from webhooks.wording import Wording

# Where `make run` has alerts written (TRIAGE_DUTY_SINK), and where --tail looks.
DEFAULT_SINK = DEFAULT_VAR_DIR / "duty-alerts.jsonl"
# After a database error the next round waits longer each time, up to this.
# Short enough that alerts resume soon after the database is back.
MAX_PAUSE_SECONDS = 60
# How often the retention policies are applied. The time of the last purge is kept in the
# process only: a restart purges at once, which is harmless, since a purge that follows
# another finds nothing more to delete and writes nothing.
PURGE_EVERY_SECONDS = 3600


@click.command()
@click.option("--once", is_flag=True, help="Do one round now, then stop.")
@click.option("--interval", default=15, show_default=True, help="Seconds between rounds.")
@click.option(
    "--tail",
    is_flag=True,
    help="Show the alerts `make run` wrote to its local sink, and follow (with --once: "
    "show them and stop).",
)
def alerts(once: bool, interval: int, tail: bool) -> None:
    """Store what waited on disk, and send due "urgent referral waiting" alerts."""
    if tail:
        # Needs no secrets: it only reads the sink file, from any terminal.
        _tail(Path(os.environ.get("TRIAGE_DUTY_SINK", "").strip() or DEFAULT_SINK), not once)
        return
    try:
        settings = settings_from_env(os.environ)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    teams = load_teams(settings.data_dir / "teams")
    _warn_if_fictional(settings, teams)
    crypto.configure(settings.data_keys, settings.lookup_key)
    engine = make_engine(settings.database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    wording = Wording.load(settings.data_dir / "messages.yml")
    senders = build_transports(settings)
    link_base = settings.public_base_url or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    ingester = Ingester(sessions, settings.spool_dir, teams)
    ingester.recover()
    memory = bot_memory(settings.database_url)
    last_purge: float | None = None
    failures = 0
    try:
        while True:
            now = _now(settings)
            drained = ingester.drain(now)
            down = drained.stopped_by
            try:
                # Alerts go out even while some spooled files wait.
                with sessions() as session:
                    # A check left unanswered counts as yes: its referral is urgent, and
                    # the alert that raises goes out in this same round.
                    expired = expire_unanswered(session, teams, now)
                    session.commit()
                    sent = deliver_due(session, now, teams, wording, senders.send, link_base)
            except SQLAlchemyError as error:
                down = down or type(error).__name__
                expired = sent = 0
            purged: list[str] = []
            if down is None and (
                last_purge is None or time.monotonic() - last_purge >= PURGE_EVERY_SECONDS
            ):
                try:
                    with sessions() as session:
                        done = purge(UnitOfWork(session), teams.teams.values(), now, memory=memory)
                    last_purge = time.monotonic()
                    purged = purge_lines([each for each in done if each.count])
                except SQLAlchemyError as error:
                    down = type(error).__name__
                except Exception as error:
                    # Alerts matter more than deleting on time: a purge that fails for
                    # any other reason waits for the next hour instead of stopping them.
                    last_purge = time.monotonic()
                    click.echo(
                        f"the purge failed ({type(error).__name__}); next in an hour", err=True
                    )
            if down is not None:
                failures += 1
                pause = min(interval * 2**failures, MAX_PAUSE_SECONDS)
                click.echo(
                    f"the database is not available ({down}); trying again in {pause} s",
                    err=True,
                )
                if once:
                    raise SystemExit(1)
                time.sleep(pause)
                continue
            if failures:
                click.echo("the database is back")
            failures = 0
            if drained.messages or drained.referrals:
                click.echo(
                    f"stored {drained.messages} spooled message(s) and "
                    f"{drained.referrals} referral(s)"
                )
            if expired:
                click.echo(f"{expired} risk check(s) not answered in time: treated as yes")
            if sent:
                click.echo(f"sent {sent} urgent alert(s)")
            for line in purged:
                click.echo(f"past its time and deleted: {line}")
            if once:
                return
            time.sleep(interval)
    finally:
        senders.http.close()
        engine.dispose()


def _warn_if_fictional(settings: Settings, teams: TeamDirectory) -> None:
    if settings.duty_sink is not None:
        click.echo(f"duty alerts go to the local sink {settings.duty_sink} (triage alerts --tail)")
        return
    if any(is_fictional(target) for kind, target in teams.duty_contacts() if kind == "sms"):
        click.secho(
            "some duty contacts are the shipped fictional 07700 900xxx numbers: put the "
            "teams' own duty phones in data/teams/*.yml, or no practitioner hears of "
            "urgent referrals",
            fg="red",
            err=True,
        )


def _tail(sink: Path, follow: bool) -> None:
    """Print each alert in the sink as one readable line; then, if following, wait for more."""
    if not sink.exists() and not follow:
        click.echo(f"no alerts yet in {sink}")
        return
    click.echo(f"alerts written to {sink}" + (" (Ctrl-C to stop)" if follow else ""))
    position = 0
    while True:
        if sink.exists():
            with sink.open(encoding="utf-8") as file:
                file.seek(position)
                for line in file:
                    if not line.endswith("\n"):
                        break  # a line still being written: read it whole next time
                    position += len(line.encode("utf-8"))
                    click.echo(_readable(line))
        if not follow:
            return
        time.sleep(0.5)


def _readable(line: str) -> str:
    try:
        alert = json.loads(line)
        return (
            f"{alert['at']}  {alert['team']} / {alert.get('pathway') or '-'}  "
            f"{alert['kind']} to {alert['to']}: {alert['text']}"
        )
    except (ValueError, KeyError, TypeError):
        return line.rstrip("\n")


def _now(settings: Settings) -> datetime:
    return settings.triage_now or datetime.now(timezone.utc)

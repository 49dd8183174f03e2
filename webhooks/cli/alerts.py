"""`triage alerts`: the background worker `make run` starts beside the gateway.

Each round it stores what the spool kept while the database was away (messages, and
referrals whose save failed), treats risk checks left unanswered too long as a yes, then
sends the urgent-referral alerts that are due. A
database that is down or refuses is waited out with growing pauses, never a crash: one
blip must not stop the worker, nor (through `triage up`) anything else.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from webhooks.config import ConfigError, Settings, settings_from_env
from webhooks.core.alerts import build_transports, deliver_due
from webhooks.core.ingest import Ingester
from webhooks.core.risk_check import expire_unanswered
from webhooks.db.engine import make_engine
from webhooks.teams import load_teams
from webhooks.wording import Wording

# After a database error the next round waits longer each time, up to this.
# Short enough that alerts resume soon after the database is back.
MAX_PAUSE_SECONDS = 60


@click.command()
@click.option("--once", is_flag=True, help="Do one round now, then stop.")
@click.option("--interval", default=15, show_default=True, help="Seconds between rounds.")
def alerts(once: bool, interval: int) -> None:
    """Store what waited on disk, and send due "urgent referral waiting" alerts."""
    try:
        settings = settings_from_env(os.environ)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    engine = make_engine(settings.database_url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    teams = load_teams(settings.data_dir / "teams")
    wording = Wording.load(settings.data_dir / "messages.yml")
    senders = build_transports(settings)
    link_base = settings.public_base_url or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    ingester = Ingester(sessions, settings.spool_dir, teams)
    ingester.recover()
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
            if once:
                return
            time.sleep(interval)
    finally:
        senders.http.close()
        engine.dispose()


def _now(settings: Settings) -> datetime:
    return settings.triage_now or datetime.now(timezone.utc)

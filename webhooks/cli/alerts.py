"""`triage alerts`: deliver urgent-referral alerts to duty practitioners (run by `make run`)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import click
from sqlalchemy.orm import Session

from webhooks.config import ConfigError, settings_from_env
from webhooks.core.alerts import build_transports, deliver_due
from webhooks.db.engine import make_engine
from webhooks.teams import load_teams
from webhooks.wording import Wording


@click.command()
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--interval", default=15, show_default=True, help="Seconds between rounds.")
def alerts(once: bool, interval: int) -> None:
    """Send due "urgent referral waiting" alerts, repeating them until acknowledged."""
    try:
        settings = settings_from_env(os.environ)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    engine = make_engine(settings.database_url)
    teams = load_teams(settings.data_dir / "teams")
    wording = Wording.load(settings.data_dir / "messages.yml")
    senders = build_transports(settings)
    link_base = settings.public_base_url or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    try:
        while True:
            now = settings.triage_now or datetime.now(timezone.utc)
            with Session(engine) as session:
                sent = deliver_due(session, now, teams, wording, senders.send, link_base)
            if sent:
                click.echo(f"sent {sent} urgent alert(s)")
            if once:
                return
            time.sleep(interval)
    finally:
        senders.http.close()
        engine.dispose()

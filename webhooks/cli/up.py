"""`triage up` (what `make run` runs): start everything, say where it is, keep it
serving, stop it cleanly."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import datetime

import click
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from webhooks.cli.common import engine_from_env, team_directory
from webhooks.db import accounts
from webhooks.db.migrate import upgrade
from webhooks.dev.processes import StackConfig, stack_config_from_env, triage_processes
from webhooks.dev.secrets import dev_secret, secret_or_dev
from webhooks.dev.stack import Stack, StackError
from webhooks.dev.supervisor import run_stack

DEMO_EMAIL = "demo@example.nhs.uk"


def ensure_demo_practitioner() -> str:
    """Create (or reset) the demo practitioner; return their password."""
    password = dev_secret("demo_password")
    with Session(engine_from_env()) as session:
        accounts.upsert_practitioner(
            session, DEMO_EMAIL, "Demo Practitioner", generate_password_hash(password), None
        )
        session.commit()
    return password


@click.command()
@click.option("--timeout", default=300, show_default=True, help="Seconds to wait for ready.")
def up(timeout: int) -> None:
    """Start the action server, Rasa, the gateway and the alert sender on this machine;
    restart any that stops; stop them all on Ctrl-C or SIGTERM."""
    twilio_token, local_token = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    secret_key, _ = secret_or_dev(os.environ, "SECRET_KEY")
    if local_token:
        click.secho(
            "TWILIO_AUTH_TOKEN is not set: using a local one, so real Twilio requests will be "
            "rejected (403). `triage simulate` uses the local one.",
            fg="yellow",
        )
    try:
        config = stack_config_from_env(
            os.environ, {"TWILIO_AUTH_TOKEN": twilio_token, "SECRET_KEY": secret_key}
        )
        upgrade(engine_from_env())
        password = ensure_demo_practitioner()
        stack = Stack(triage_processes(config), config.log_dir)
        try:
            run_stack(
                stack,
                timeout,
                on_ready=lambda: _print_urls(config, password),
                say=_say,
                progress=_progress_printer(),
            )
        finally:
            # Written at start (it may hold the database password); made again next time.
            config.rasa_endpoints.unlink(missing_ok=True)
    except StackError as error:
        click.echo()
        raise click.ClickException(str(error)) from error
    click.echo("Stopped.")


def _say(line: str) -> None:
    click.echo(f"[{datetime.now():%H:%M:%S}] {line}")


def _progress_printer() -> Callable[[str], None]:
    # On a terminal, one line rewritten every second; in a log, a line every 10 seconds.
    interactive = sys.stdout.isatty()
    last_printed = [0.0]

    def show(line: str) -> None:
        if interactive:
            click.echo(f"\r{line}   ", nl=False)
            if "starting" not in line:
                click.echo()
        elif time.monotonic() - last_printed[0] >= 10 or "starting" not in line:
            click.echo(line)
            last_printed[0] = time.monotonic()

    return show


def _print_urls(config: StackConfig, password: str) -> None:
    base = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/") or config.gateway_url
    click.secho("Ready.", fg="green", bold=True)
    click.echo("Web chat:")
    for team in team_directory().teams.values():
        click.echo(f"  {config.gateway_url}/chat/{team.id}   ({team.name})")
    click.echo(f"Practitioners' queue: {config.gateway_url}/queue")
    click.echo(f"  demo login: {DEMO_EMAIL} / {password}")
    click.echo("Twilio webhooks (paste into the Twilio console for each team's number):")
    click.echo(f"  A message comes in:  POST {base}/twilio/sms")
    click.echo(f"  A call comes in:     POST {base}/twilio/voice")
    click.echo(f"  Call status changes: POST {base}/twilio/voice/status")
    click.echo("Talk to it from another terminal: .venv/bin/triage simulate sms|voice|chat")
    click.echo(f"Logs: {config.log_dir}   Press Ctrl-C to stop (or send SIGTERM).")

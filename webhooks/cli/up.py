"""`triage up` (what `make run` runs): start everything, say where it is, keep it
serving, stop it cleanly."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import click
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from webhooks.cli.alerts import DEFAULT_SINK
from webhooks.cli.common import engine_from_env, team_directory
from webhooks.db import accounts, sign_in
from webhooks.db.migrate import upgrade
from webhooks.dev.processes import StackConfig, stack_config_from_env, triage_processes
from webhooks.dev.secrets import (
    ModeError,
    dev_secret,
    development_keys,
    development_mode,
    secret_or_dev,
)
from webhooks.dev.stack import Stack, StackError
from webhooks.dev.supervisor import run_stack

# Earlier versions made one demo account for every team; it is disabled when found.
OLD_DEMO_EMAIL = "demo@example.nhs.uk"


def demo_email(team_id: str) -> str:
    """The demo account of one team (development only)."""
    return f"demo.{team_id}@example.nhs.uk"


def ensure_demo_practitioners() -> str:
    """Create (or reset) one demo team lead per team; return their shared password.

    One per team, never one for every team: what a demo account can see is what a real
    account of that team would."""
    password = dev_secret("demo_password")
    engine = engine_from_env()
    try:
        with Session(engine) as session:
            for team in team_directory().teams.values():
                # A team lead, so the demo shows the audit and reassigning too.
                accounts.upsert_practitioner(
                    session,
                    demo_email(team.id),
                    f"Demo {team.short_name}",
                    generate_password_hash(password),
                    team.id,
                    lead=True,
                )
            old = accounts.practitioner_by_email(session, OLD_DEMO_EMAIL)
            if old is not None and old.disabled_at is None:
                sign_in.disable(session, old, datetime.now(timezone.utc))
            session.commit()
    finally:
        engine.dispose()
    return password


@click.command()
@click.option("--timeout", default=300, show_default=True, help="Seconds to wait for ready.")
@click.option(
    "--rasa-instances",
    type=click.IntRange(1, 16),
    help="Rasa servers sharing conversations (needs REDIS_URL) [default: RASA_INSTANCES or 1].",
)
@click.option(
    "--gateway-workers",
    type=click.IntRange(1, 64),
    help="Gateway processes [default: WEB_CONCURRENCY or 2].",
)
def up(timeout: int, rasa_instances: int | None, gateway_workers: int | None) -> None:
    """Start the action server, Rasa, the gateway and the alert sender on this machine;
    restart any that stops; stop them all on Ctrl-C or SIGTERM."""
    # As the environment variables they stand for, so every process started sees them.
    if rasa_instances is not None:
        os.environ["RASA_INSTANCES"] = str(rasa_instances)
    if gateway_workers is not None:
        os.environ["WEB_CONCURRENCY"] = str(gateway_workers)
    twilio_token, local_token = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    secret_key, _ = secret_or_dev(os.environ, "SECRET_KEY")
    if local_token:
        click.secho(
            "TWILIO_AUTH_TOKEN is not set: using a local one, so real Twilio requests will be "
            "rejected (403). `triage simulate` uses the local one.",
            fg="yellow",
        )
    gateway_env = {"TWILIO_AUTH_TOKEN": twilio_token, "SECRET_KEY": secret_key}
    if "TRIAGE_DUTY_SINK" not in os.environ:
        # On this machine no duty phone exists: alerts go to a file the developer can watch.
        gateway_env["TRIAGE_DUTY_SINK"] = str(DEFAULT_SINK)
    try:
        development = development_mode(os.environ)
    except ModeError as error:
        raise click.ClickException(str(error)) from error
    if development:
        # Local keys for personal data at rest, made once under var/secrets; every process
        # started below inherits them. A deployment sets its own (docs/operations.md).
        os.environ.update(development_keys(os.environ))
    try:
        config = stack_config_from_env(os.environ, gateway_env)
        upgrade(engine_from_env())
        password = ensure_demo_practitioners() if development else None
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
            for port in config.rasa_ports:
                config.endpoints_for(port).unlink(missing_ok=True)
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


def _print_urls(config: StackConfig, password: str | None) -> None:
    base = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/") or config.gateway_url
    click.secho("Ready.", fg="green", bold=True)
    click.echo("Web chat:")
    for team in team_directory().teams.values():
        click.echo(f"  {config.gateway_url}/chat/{team.id}   ({team.name})")
    click.echo(f"Practitioners' queue: {config.gateway_url}/queue")
    if password is not None:
        click.echo(f"  demo logins (development only; each leads one team), password: {password}")
        for team in team_directory().teams.values():
            click.echo(f"    {demo_email(team.id)}")
    click.echo("Twilio webhooks (paste into the Twilio console for each team's number):")
    click.echo(f"  A message comes in:  POST {base}/twilio/sms")
    click.echo(f"  A call comes in:     POST {base}/twilio/voice")
    click.echo(f"  Call status changes: POST {base}/twilio/voice/status")
    click.echo("Talk to it from another terminal: .venv/bin/triage simulate sms|voice|chat")
    sink = os.environ.get("TRIAGE_DUTY_SINK", str(DEFAULT_SINK))
    if sink:
        click.echo(f"Urgent alerts to duty practitioners: .venv/bin/triage alerts --tail ({sink})")
    click.echo(f"Logs: {config.log_dir}   Press Ctrl-C to stop (or send SIGTERM).")

"""`triage up` (what `make run` runs): start everything, say where it is, stop it cleanly."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import click
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from webhooks.cli.common import database_url_from_env, engine_from_env, team_directory
from webhooks.config import DEFAULT_VAR_DIR
from webhooks.db import accounts
from webhooks.db.migrate import upgrade
from webhooks.dev.secrets import dev_secret, secret_or_dev
from webhooks.dev.stack import Stack, StackConfig, StackError, triage_processes

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
    """Start the action server, Rasa and the gateway on this machine."""
    port = int(os.environ.get("PORT", "8000"))
    database_url = database_url_from_env()
    twilio_token, local_token = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    secret_key, _ = secret_or_dev(os.environ, "SECRET_KEY")
    if local_token:
        click.secho(
            "TWILIO_AUTH_TOKEN is not set: using a local one, so real Twilio requests will be "
            "rejected (403). `triage simulate` uses the local one.",
            fg="yellow",
        )
    upgrade(engine_from_env())
    password = ensure_demo_practitioner()
    config = StackConfig(
        gateway_port=port,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        database_url=database_url,
        log_dir=DEFAULT_VAR_DIR / "logs",
        host=os.environ.get("HOST", "127.0.0.1"),
        gateway_env={"TWILIO_AUTH_TOKEN": twilio_token, "SECRET_KEY": secret_key},
    )
    try:
        stack = Stack(triage_processes(config), config.log_dir)
    except StackError as error:
        raise click.ClickException(str(error)) from error
    try:
        stack.start()
        stack.wait_ready(timeout, progress=_progress_printer())
        _print_urls(config, password)
        _watch(stack)
    except StackError as error:
        click.echo()
        raise click.ClickException(str(error)) from error
    except KeyboardInterrupt:
        click.echo("\nStopping...")
    finally:
        stack.stop()
    click.echo("Stopped.")


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


def _watch(stack: Stack) -> None:
    while True:
        dead = stack.dead_children()
        if dead:
            child = dead[0]
            raise StackError(
                f"{child.name} stopped (exit code {child.process.returncode}); stopping the rest. "
                f"Last lines of {child.log_path}:\n{child.log_tail()}"
            )
        time.sleep(1)


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
    click.echo(f"Logs: {config.log_dir}   Press Ctrl-C to stop.")

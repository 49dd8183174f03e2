"""`triage simulate sms|chat`: talk to the running bot from a terminal."""

from __future__ import annotations

import os
import sys

import click

from webhooks.cli.common import check_team, default_gateway_url, team_directory
from webhooks.dev_secrets import secret_or_dev
from webhooks.simulator import ChatSimulator, SimulatorError, SmsSimulator

DEFAULT_FROM = "+447911123456"


def _lines(prompt: bool) -> list[str] | None:
    # Piped input is read as a script; a terminal gets a prompt per line.
    return None if prompt else [line.rstrip("\n") for line in sys.stdin]


def _conversation(send: object, interactive: bool) -> None:
    script = _lines(interactive)
    texts = iter(script) if script is not None else None
    while True:
        if texts is None:
            try:
                text = input("you> ")
            except EOFError:
                return
        else:
            text = next(texts, None)  # type: ignore[arg-type]
            if text is None:
                return
            click.echo(f"you> {text}")
        if not text.strip():
            continue
        try:
            for reply in send(text):  # type: ignore[operator]
                click.echo(f"bot> {reply}")
        except SimulatorError as error:
            raise click.ClickException(str(error)) from error


@click.group()
def simulate() -> None:
    """Talk to the running bot as Twilio or a browser would."""


@simulate.command("sms")
@click.option("--url", default=default_gateway_url, show_default="http://127.0.0.1:$PORT")
@click.option("--team", "team_id", default="together-london", show_default=True)
@click.option("--from", "from_number", default=DEFAULT_FROM, show_default=True)
@click.option("--whatsapp", is_flag=True, help="Send as WhatsApp (From: whatsapp:+44...).")
def simulate_sms(url: str, team_id: str, from_number: str, whatsapp: bool) -> None:
    """Send each line of input as a signed Twilio text message; print the replies."""
    check_team(team_id)
    team = team_directory().by_id(team_id)
    assert team is not None  # check_team has failed otherwise
    auth_token, _local = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    simulator = SmsSimulator(
        url,
        auth_token,
        from_number,
        team.numbers[0],
        whatsapp=whatsapp,
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
    )
    _conversation(simulator.send, sys.stdin.isatty())


@simulate.command("chat")
@click.option("--url", default=default_gateway_url, show_default="http://127.0.0.1:$PORT")
@click.option("--team", "team_id", default="together-london", show_default=True)
def simulate_chat(url: str, team_id: str) -> None:
    """Send each line of input through the web chat; print the replies."""
    check_team(team_id)
    simulator = ChatSimulator(url, team_id)

    def send(text: str) -> list[str]:
        replies = simulator.send(text)
        return [
            str(reply["text"])
            + (f"  [{' | '.join(map(str, reply['options']))}]" if reply["options"] else "")
            for reply in replies
        ]

    _conversation(send, sys.stdin.isatty())

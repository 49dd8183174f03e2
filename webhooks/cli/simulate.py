"""`triage simulate sms|chat`: talk to the running bot from a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator

import click

from webhooks.cli.common import check_team, default_gateway_url, team_directory
from webhooks.dev.secrets import secret_or_dev
from webhooks.dev.simulator import ChatSimulator, SimulatorError, SmsSimulator, VoiceSimulator
from webhooks.teams import Team

DEFAULT_FROM = "+447911123456"


def _inputs(interactive: bool) -> Iterator[str]:
    # A terminal gets a prompt per line; piped input is read (and echoed) as a script.
    if not interactive:
        for line in sys.stdin:
            text = line.rstrip("\n")
            click.echo(f"you> {text}")
            yield text
        return
    while True:
        try:
            yield input("you> ")
        except EOFError:
            return


def _conversation(send: Callable[[str], list[str]], interactive: bool) -> None:
    for text in _inputs(interactive):
        if not text.strip():
            continue
        try:
            for reply in send(text):
                click.echo(f"bot> {reply}")
        except SimulatorError as error:
            raise click.ClickException(str(error)) from error


def _team_and_token(team_id: str) -> tuple[Team, str]:
    """The team to reach and the auth token to sign with, as the gateway knows it."""
    check_team(team_id)
    team = team_directory().by_id(team_id)
    if team is None:  # check_team has already refused an unknown id
        raise click.BadParameter(team_id, param_hint="--team")
    auth_token, _local = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    return team, auth_token


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
    team, auth_token = _team_and_token(team_id)
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
        shown = []
        for reply in replies:
            suffix = f"  [{' | '.join(reply.options)}]" if reply.options else ""
            shown.append(f"{reply.text}{suffix}")
        return shown

    _conversation(send, sys.stdin.isatty())


@simulate.command("voice")
@click.option("--url", default=default_gateway_url, show_default="http://127.0.0.1:$PORT")
@click.option("--team", "team_id", default="together-london", show_default=True)
@click.option("--from", "from_number", default=DEFAULT_FROM, show_default=True)
@click.option("--withheld", is_flag=True, help="Call with the number hidden.")
def simulate_voice(url: str, team_id: str, from_number: str, withheld: bool) -> None:
    """Call the bot: a line of digits (or * or #) is keyed, other text is spoken,
    an empty line is silence. The call ends when the bot hangs up or input ends."""
    team, auth_token = _team_and_token(team_id)
    call = VoiceSimulator(
        url,
        auth_token,
        None if withheld else from_number,
        team.numbers[0],
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
    )
    try:
        for line in call.call():
            click.echo(f"bot> {line}")
        for text in _inputs(sys.stdin.isatty()):
            if call.ended:
                break
            stripped = text.strip()
            if not stripped:
                heard = call.silence()
            elif all(key in "0123456789*#" for key in stripped):
                heard = call.press(stripped)
            else:
                heard = call.say(stripped)
            for line in heard:
                click.echo(f"bot> {line}")
        if call.dialled:
            click.echo(f"[call transferred to {call.dialled}]")
        if not call.ended:
            call.hang_up()
        click.echo("[call ended]")
    except SimulatorError as error:
        raise click.ClickException(str(error)) from error

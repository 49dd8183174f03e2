"""`triage flows render`: a team's whole flow as one document a clinician can sign off."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import click

from flows.data_dir import data_dir
from webhooks.signoff import CHANNELS, FORMATS, Sources, UnknownTeam, build_document, render


@click.group()
def flows() -> None:
    """The questionnaires the bot asks, as people receive them."""


@flows.command("render")
@click.option("--team", "team_id", required=True, help="Team id, e.g. together-london.")
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="Whose words.")
@click.option("--format", "fmt", default="html", show_default=True, type=click.Choice(FORMATS))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of printing.",
)
def render_command(team_id: str, channel: str, fmt: str, out: Path | None) -> None:
    """Every question of the team's flow in the exact words the channel sends: choices,
    re-asks, reasons, branches and endings, the essentials first, with the flow's version."""
    try:
        sources = Sources.load(team_id, data_dir())
    except UnknownTeam as error:
        raise click.BadParameter(str(error), param_hint="--team") from error
    text = render(build_document(sources, channel, _today()), fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}", err=True)


def _today() -> date:
    """Today, or the day TRIAGE_NOW pins (demos and tests get the same document)."""
    pinned = os.environ.get("TRIAGE_NOW", "").strip()
    return datetime.fromisoformat(pinned).date() if pinned else date.today()

"""`triage risk`: the safety net's risk detector on lines of text."""

from __future__ import annotations

import json
import sys

import click

from flows import load_flows
from flows.choices import offered_words
from safety.learned.model import default_model
from safety.learned.saved import RiskModelNotTrained
from webhooks.core.turn import read_for_risk


@click.command()
def risk() -> None:
    """Read lines on stdin; write one JSON object per line (text, risk, ask, evidence).

    The same decision the gateway makes: the rules, then the learned second net (the one
    `make setup` trained and saved) on free text, never on a control or a flow's choice.
    `risk` other than none: act at once; `ask`: check with the person first.
    """
    try:
        model = default_model()
    except RiskModelNotTrained as error:
        raise click.ClickException(str(error)) from error
    choices = offered_words(load_flows().values())
    for line in sys.stdin:
        text = line.rstrip("\n")
        found = read_for_risk(text, model, choices)
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False))

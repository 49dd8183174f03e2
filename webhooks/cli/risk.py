"""`triage risk`: the safety net's risk detector on lines of text."""

from __future__ import annotations

import json
import sys

import click

from safety import assess_risk
from safety.learned.model import default_model
from safety.learned.saved import RiskModelNotTrained


@click.command()
def risk() -> None:
    """Read lines on stdin; write one JSON object per line (text, risk, evidence).

    The same decision the gateway makes: the rules, then the learned second net (the one
    `make setup` trained and saved).
    """
    try:
        model = default_model()
    except RiskModelNotTrained as error:
        raise click.ClickException(str(error)) from error
    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps(model.add_to(assess_risk(text)).as_dict(), ensure_ascii=False))

"""`triage risk`: the safety net's risk detector on lines of text."""

from __future__ import annotations

import json
import sys

import click

from safety import assess_risk


@click.command()
def risk() -> None:
    """Read lines on stdin; write one JSON object per line (text, risk, evidence)."""
    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps(assess_risk(text).as_dict(), ensure_ascii=False))

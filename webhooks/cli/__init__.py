"""The `triage` command."""

from __future__ import annotations

import click

from webhooks.cli.accounts import token, user
from webhooks.cli.alerts import alerts
from webhooks.cli.bench import bench
from webhooks.cli.database import db
from webhooks.cli.flows_render import flows
from webhooks.cli.keys import keys
from webhooks.cli.retention import erase_command, purge_command, subject_access_command
from webhooks.cli.risk import risk
from webhooks.cli.serve import serve
from webhooks.cli.simulate import simulate
from webhooks.cli.up import up


@click.group()
def main() -> None:
    """Liaison and Diversion triage bot: run it, talk to it, manage access."""


for command in (
    up,
    serve,
    simulate,
    bench,
    risk,
    alerts,
    db,
    token,
    user,
    flows,
    purge_command,
    subject_access_command,
    erase_command,
    keys,
):
    main.add_command(command)

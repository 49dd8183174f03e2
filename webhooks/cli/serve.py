"""`triage serve gateway|rasa|actions|alerts`: one process of the stack, in the foreground.

For a Procfile or a systemd unit per process. It builds the stack's command lines
exactly as `triage up` does and becomes the chosen one (exec), so the process manager
signals and watches the real process, and production runs what `make run` runs.
"""

from __future__ import annotations

import os
import shlex

import click

from webhooks.dev.processes import stack_config_from_env, triage_processes
from webhooks.dev.stack import ProcessSpec, StackError

# The name on the command line for each process `triage up` starts.
PROCESSES = {
    "gateway": "gateway",
    "rasa": "rasa",
    "actions": "action server",
    "alerts": "alerts",
}


def process_spec(name: str) -> ProcessSpec:
    """The stack's own spec for one process, from this environment."""
    specs = {spec.name: spec for spec in triage_processes(stack_config_from_env(os.environ))}
    return specs[PROCESSES[name]]


@click.command()
@click.argument("process", type=click.Choice(list(PROCESSES)))
@click.option(
    "--print", "print_only", is_flag=True, help="Print the command line instead of running it."
)
def serve(process: str, print_only: bool) -> None:
    """Run one process as `triage up` runs it (no local secrets: set SECRET_KEY and
    TWILIO_AUTH_TOKEN). Migrate first with `triage db upgrade`."""
    try:
        spec = process_spec(process)
        if print_only:
            click.echo(shlex.join(spec.command))
            return
        if spec.prepare is not None:
            spec.prepare()
    except StackError as error:
        raise click.ClickException(str(error)) from error
    os.chdir(spec.cwd)
    os.execve(spec.command[0], spec.command, spec.env)

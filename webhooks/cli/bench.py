"""`triage bench`: how long a person waits for an answer, measured through the gateway."""

from __future__ import annotations

import os
import statistics
import time

import click

from flows import load_flows
from webhooks.cli.common import default_gateway_url, team_directory
from webhooks.dev.scripted import Respondent, demo_answers, ended
from webhooks.dev.secrets import secret_or_dev
from webhooks.dev.simulator import SmsSimulator


@click.command()
@click.option("--url", default=default_gateway_url, show_default="http://127.0.0.1:$PORT")
@click.option("--conversations", default=10, show_default=True, type=click.IntRange(1, 10000))
@click.option("--team", "team_id", default="south-essex", show_default=True)
def bench(url: str, conversations: int, team_id: str) -> None:
    """Run whole SMS referrals against the running stack and print turn latencies."""
    team = team_directory().by_id(team_id)
    if team is None:
        raise click.BadParameter(f"no team {team_id!r}", param_hint="--team")
    auth_token, _local = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    flow = load_flows()[team.flows[0]]
    timings: list[float] = []
    started = time.perf_counter()
    for number in range(conversations):
        # A distinct sender per conversation (Ofcom's drama range is never a real person).
        sender = f"+447700900{number % 1000:03d}"
        simulator = SmsSimulator(url, auth_token, sender, team.numbers[0])
        # One complete self-referral from the demo answers, whatever order the flow asks in.
        person = Respondent(flow, demo_answers("self"))
        text = "hello"
        while True:
            turn_started = time.perf_counter()
            replies = simulator.send(text)
            timings.append((time.perf_counter() - turn_started) * 1000)
            if ended(replies):
                break
            _question, text = person.reply_to(replies)
    elapsed = time.perf_counter() - started
    ordered = sorted(timings)
    click.echo(f"turns: {len(timings)} in {conversations} conversations, {elapsed:.1f} s")
    click.echo(f"turns/s: {len(timings) / elapsed:.1f}")
    click.echo(
        "latency ms: "
        f"p50 {statistics.median(ordered):.0f}, "
        f"p95 {ordered[max(0, int(len(ordered) * 0.95) - 1)]:.0f}, "
        f"max {ordered[-1]:.0f}"
    )

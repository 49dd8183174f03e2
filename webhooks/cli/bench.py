"""`triage bench`: many people texting (or calling) whole referrals at once, timed, and
nothing lost.

Drives `--concurrency` conversations at a time (texts, calls, or both: `--channel`)
through the running gateway, for `--conversations` referrals or `--minutes` of new ones.
After the run it checks the database for every message sent and every referral a person
was told was sent, and
replays some conversations straight to Rasa to show what the gateway adds. With
`--kill-rasa-after`, it kills the Rasa server once, midway, to soak through its restart.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from datetime import datetime, timezone
from urllib.parse import urlparse

import click
import requests
from sqlalchemy.exc import SQLAlchemyError

from flows import load_flows
from webhooks.cli.common import database_url_from_env, default_gateway_url, team_directory
from webhooks.core.rasa_client import rasa_urls
from webhooks.dev import procs
from webhooks.dev.load import (
    CHANNELS,
    NUMBERS_PER_TEAM,
    SMS,
    Load,
    LoadPlan,
    LoadResult,
    figures,
)
from webhooks.dev.rasa_direct import ReplayError, comparison, gateway_ms, replay_all, replays
from webhooks.dev.secrets import secret_or_dev
from webhooks.dev.soak import RasaKiller, check_ledger
from webhooks.dev.texting import Patience, SignatureRefused, Target

Figures = dict[str, float | int | None]


def _port(url: str, default: int) -> int:
    return urlparse(url).port or default


def _targets(team_ids: tuple[str, ...]) -> tuple[Target, ...]:
    teams = team_directory()
    flows = load_flows()
    targets = []
    for team_id in team_ids:
        team = teams.by_id(team_id)
        if team is None:
            known = ", ".join(sorted(teams.teams))
            raise click.BadParameter(
                f"no team {team_id!r}; teams are: {known}", param_hint="--team"
            )
        targets.append(Target(team, flows[team.flows[0]]))
    return tuple(targets)


def _stack_ports(url: str, rasa_urls: tuple[str, ...]) -> list[int]:
    actions_url = os.environ.get("ACTION_SERVER_URL", "").strip()
    actions = (
        _port(actions_url, 5055) if actions_url else int(os.environ.get("ACTIONS_PORT", "5055"))
    )
    return [_port(url, 80), *(_port(rasa_url, 5005) for rasa_url in rasa_urls), actions]


def _memory_mb(ports: list[int]) -> Figures:
    # Only a stack on this machine can be weighed; a remote one is left out, not zero.
    pids = procs.stack_pids(ports)
    if not pids:
        return {}
    return {
        "memory_mb": round(procs.proportional_mb(pids), 1),
        "rss_mb": round(procs.resident_mb(pids), 1),
    }


def _check_gateway(url: str) -> None:
    try:
        requests.get(f"{url.rstrip('/')}/healthz", timeout=5).raise_for_status()
    except requests.RequestException as error:
        raise click.ClickException(
            f"the gateway at {url} does not answer ({type(error).__name__}): "
            "is the stack running (`triage up`)?"
        ) from error


def _run_with_progress(load: Load) -> LoadResult:
    # On a terminal, one line rewritten every two seconds on stderr; nothing in a log.
    if not sys.stderr.isatty():
        return load.run()
    done = threading.Event()

    def show() -> None:
        while not done.wait(2):
            click.echo(f"\r{load.progress()}   ", nl=False, err=True)

    ticker = threading.Thread(target=show, daemon=True)
    ticker.start()
    try:
        return load.run()
    finally:
        done.set()
        ticker.join()
        click.echo(f"\r{load.progress()}   ", err=True)


def _rasa_direct(rasa_urls: tuple[str, ...], result: LoadResult, think: float) -> Figures:
    # One round of conversations, as many as ran at once.
    limit = max(2, result.concurrency)
    conversations = replays(result.walks, limit)
    if not conversations:
        click.echo("rasa direct: no completed conversation to replay", err=True)
        return {}
    raw_now = os.environ.get("TRIAGE_NOW", "").strip()
    now = datetime.fromisoformat(raw_now) if raw_now else datetime.now(timezone.utc)
    try:
        direct = replay_all(rasa_urls, conversations, result.concurrency, now, think)
    except ReplayError as error:
        click.echo(
            f"rasa direct: left out, Rasa did not answer a replayed turn ({error})", err=True
        )
        return {}
    return dict(comparison(direct, gateway_ms(result.walks, limit)))


def _summary(report: Figures) -> list[str]:
    lines = [
        f"conversations: {report['conversations']} ({report['completed']} completed, "
        f"{report['kept']} kept for later, {report['incomplete']} incomplete), "
        f"{report['concurrency']} at a time, {report['elapsed_s']} s",
        f"turns: {report['turns']} ({report['replies_out']} replies), "
        f"{report['throughput_per_s']} turns/s, "
        f"{report['cannot_answer']} answered 'cannot answer', {report['errors']} errors",
        f"latency ms: p50 {report['p50_ms']:.0f}, p95 {report['p95_ms']:.0f}, "
        f"p99 {report['p99_ms']:.0f}, max {report['max_ms']:.0f}; median of turns 1-5 "
        f"{report['first_turns_p50_ms']:.0f}, of turns 31 on {report['late_turns_p50_ms']:.0f}",
    ]
    for name in ("sms", "voice"):
        if f"{name}_p50_ms" in report:
            lines.append(
                f"{name}: {report[f'{name}_turns']} turns, p50 {report[f'{name}_p50_ms']:.0f} ms, "
                f"p95 {report[f'{name}_p95_ms']:.0f} ms"
            )
    if "lost" in report:
        lines.append(
            f"stored: {report['messages_stored']} of {report['messages_in']} messages, "
            f"{report['referrals_committed']} of {report['referrals_expected']} referrals; "
            f"lost {report['lost']}"
        )
    if "memory_start_mb" in report:
        lines.append(
            f"memory (summed PSS, shared pages once): {report['memory_start_mb']} MB at "
            f"start, {report['memory_end_mb']} MB at end (summed RSS at end: "
            f"{report['memory_rss_end_mb']} MB)"
        )
    if "rasa_direct_p50_ms" in report:
        lines.append(
            f"straight to Rasa: p50 {report['rasa_direct_p50_ms']:.0f} ms, "
            f"p95 {report['rasa_direct_p95_ms']:.0f} ms ({report['rasa_direct_turns']} turns, "
            f"{report['concurrency']} at a time); the gateway adds "
            f"{report['overhead_p50_ms']:.0f} ms a turn at the median"
        )
    if report.get("rasa_killed_pid") is not None:
        back = report["rasa_back_after_s"]
        lines.append(
            f"Rasa (pid {report['rasa_killed_pid']}) killed; "
            + (f"answering again after {back} s" if back is not None else "not back by the end")
        )
    return lines


def _measure(
    plan: LoadPlan, rasa_urls: tuple[str, ...], kill_rasa_after: float | None
) -> tuple[LoadResult, Figures]:
    """Run the load (killing the first Rasa once if asked), weighing the stack before and
    after."""
    rasa_url = rasa_urls[0]
    ports = _stack_ports(plan.url, rasa_urls)
    memory_start = _memory_mb(ports)
    killer = None
    if kill_rasa_after is not None:
        killer = RasaKiller(rasa_url, _port(rasa_url, 5005), kill_rasa_after)
        killer.start()
    try:
        result = _run_with_progress(Load(plan))
    except KeyboardInterrupt:
        # Ctrl-C: the people stop mid-conversation (their threads end with the process).
        raise click.Abort() from None
    except SignatureRefused as refused:
        raise click.ClickException(
            f"{refused}: set TWILIO_AUTH_TOKEN to the token the gateway uses"
        ) from refused
    finally:
        if killer is not None:
            killer.stop()
    memory_end = _memory_mb(ports)
    report: Figures = dict(figures(result))
    if memory_start and memory_end:
        report["memory_start_mb"] = memory_start["memory_mb"]
        report["memory_end_mb"] = memory_end["memory_mb"]
        report["memory_rss_end_mb"] = memory_end["rss_mb"]
    if killer is not None:
        report.update(killer.figures())
        if killer.problem:
            click.echo(f"kill Rasa: {killer.problem}", err=True)
    return result, report


@click.command()
@click.option("--url", default=default_gateway_url, show_default="http://127.0.0.1:$PORT")
@click.option(
    "--conversations",
    type=click.IntRange(1, 100000),
    help="Whole referrals to run in all [default: 10, or no limit with --minutes].",
)
@click.option(
    "--minutes", type=click.FloatRange(min=0, min_open=True), help="Start new ones for this long."
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="People texting at once, each from a number of their own.",
)
@click.option(
    "--team",
    "team_ids",
    multiple=True,
    default=("south-essex",),
    show_default=True,
    help="Team to text (repeat for several; conversations take turns).",
)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object of the figures.")
@click.option(
    "--kill-rasa-after",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Kill the Rasa server (SIGKILL) once, this long into the run.",
)
@click.option(
    "--give-up-after",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="How long a person waits for a question before giving up.",
)
@click.option(
    "--channel",
    type=click.Choice(CHANNELS),
    default=SMS,
    show_default=True,
    help="Texts, calls (each answer said aloud), or every other conversation a call.",
)
@click.option(
    "--think",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="A person's pace: seconds between a question and its answer.",
)
@click.option(
    "--rasa-direct/--no-rasa-direct",
    default=True,
    show_default=True,
    help="Replay some conversations straight to Rasa for comparison.",
)
@click.option(
    "--first-number",
    type=click.IntRange(0, NUMBERS_PER_TEAM - 1),
    metavar="N",
    help="Text from +447700900N on [default: a random N, so that a run seldom carries on "
    "an earlier run's conversations, which have grown longer].",
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Check DATABASE_URL for every message and referral.",
)
def bench(
    url: str,
    conversations: int | None,
    minutes: float | None,
    concurrency: int,
    team_ids: tuple[str, ...],
    as_json: bool,
    kill_rasa_after: float | None,
    give_up_after: float,
    channel: str,
    think: float,
    rasa_direct: bool,
    first_number: int | None,
    check: bool,
) -> None:
    """Run whole SMS referrals, many at once, against the running stack."""
    if conversations is None and minutes is None:
        conversations = 10
    auth_token, _local = secret_or_dev(os.environ, "TWILIO_AUTH_TOKEN")
    # Every Rasa instance the gateway talks to; the first is the one --kill-rasa-after kills.
    urls = rasa_urls(os.environ.get("RASA_URL", "")) or ("http://127.0.0.1:5005",)
    plan = LoadPlan(
        url=url,
        auth_token=auth_token,
        targets=_targets(team_ids),
        concurrency=concurrency,
        conversations=conversations,
        seconds=minutes * 60 if minutes is not None else None,
        patience=Patience(give_up_seconds=give_up_after, think_seconds=think),
        channel=channel,
        first_number=secrets.randbelow(NUMBERS_PER_TEAM) if first_number is None else first_number,
    )
    _check_gateway(url)
    result, report = _measure(plan, urls, kill_rasa_after)
    if check:
        try:
            report.update(check_ledger(database_url_from_env(), result.walks).figures())
        except SQLAlchemyError as error:
            click.echo(f"could not check the database: {type(error).__name__}", err=True)
    if rasa_direct:
        report.update(_rasa_direct(urls, result, think))
    for line in _summary(report):
        click.echo(line)
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))

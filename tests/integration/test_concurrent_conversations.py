"""Eight people texting whole referrals at once, through the real gateway and Rasa.

The gateway runs as `triage up` runs it (gunicorn, two workers), on SQLite (the
session's stack) and on PostgreSQL (a second gateway of this module's own, on a database
made for it and dropped after, sharing the session's Rasa). Each person answers whatever
they are asked, from the demo answers, as `triage bench` does: every one must be told
their referral was sent, find it in the queue, and never be told the bot "cannot answer
properly right now".
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from flows import load_flows
from tests.conftest import TWILIO_AUTH_TOKEN, free_port
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.conftest import TRIAGE, RunningStack, groups_left
from webhooks.cli.common import team_directory
from webhooks.config import PROJECT_ROOT
from webhooks.dev.load import Load, LoadPlan, LoadResult
from webhooks.dev.scripted import demo_answers
from webhooks.dev.soak import check_ledger
from webhooks.dev.texting import CANNOT_ANSWER, ERROR, Patience, Target

PEOPLE = 8
# Numbers of this module's own in the drama range, apart from other tests' senders.
FIRST_NUMBER = 800
TEAMS = ("south-essex", "together-london", "coventry-warwickshire")
# People with fewer branches to walk than the demo answers (no court date, solicitor,
# drinking or low mood to ask about): whole referrals of 40-43 turns instead of 50-60,
# so eight at once stay quick enough for every run of the suite.
ANSWERS = {
    **demo_answers("self"),
    "recent_contact": "no",
    "next_date_known": "no",
    "has_solicitor": "no",
    "links": "none",
    "substance_use": "no",
    "needs": "1",
    "phq_1": "not at all",
    "phq_2": "not at all",
    "gad_1": "not at all",
    "gad_2": "not at all",
}


@dataclass(frozen=True)
class Crowd:
    """A stack and what happened when eight people texted it at once."""

    stack: RunningStack
    result: LoadResult


def targets() -> tuple[Target, ...]:
    teams = team_directory()
    flows = load_flows()
    found = [teams.by_id(team_id) for team_id in TEAMS]
    return tuple(Target(team, flows[team.flows[0]]) for team in found if team is not None)


def eight_at_once(url: str) -> LoadResult:
    plan = LoadPlan(
        url=url,
        auth_token=TWILIO_AUTH_TOKEN,
        targets=targets(),
        concurrency=PEOPLE,
        conversations=PEOPLE,
        # Nothing should go wrong: a few stuck turns are enough to see it, not wait it out.
        patience=Patience(max_turns=150, give_up_seconds=2, pause_seconds=0.5),
        first_number=FIRST_NUMBER,
        answers=ANSWERS,
    )
    return Load(plan).run()


@pytest.fixture(scope="module")
def postgres_gateway(
    tmp_path_factory: pytest.TempPathFactory,
    stack: RunningStack,
    twilio_rest: FakeTwilio,
    postgres_database: str,
) -> Iterator[RunningStack]:
    """A second gateway, on PostgreSQL: gunicorn with two workers as `triage serve
    gateway` runs it, talking to the session stack's Rasa and action server.

    Conversation ids are random, so two gateways share one Rasa without meeting; a second
    Rasa would add two minutes of model loading to every run for nothing tested here.
    """
    work: Path = tmp_path_factory.mktemp("postgres-gateway")
    env = dict(
        stack.env,
        PORT=str(free_port()),
        DATABASE_URL=postgres_database,
        TRIAGE_SPOOL_DIR=str(work / "spool"),
    )
    upgrade = subprocess.run(
        [TRIAGE, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    log_path = work / "gateway.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [TRIAGE, "serve", "gateway"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
    running = RunningStack(
        url=f"http://127.0.0.1:{env['PORT']}", env=env, process=process, twilio=twilio_rest
    )
    deadline = time.monotonic() + 60
    while not _healthy(running.url):
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("the PostgreSQL gateway did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.5)
    yield running
    # SIGTERM, as systemd stops it: gunicorn and its workers go.
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log_path.read_text()[-3000:]
    assert groups_left([process.pid]) == []


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crowd(request: pytest.FixtureRequest) -> Crowd:
    """Eight whole referrals at once on the database named by the parameter."""
    stack: RunningStack = request.getfixturevalue(
        "stack" if request.param == "sqlite" else "postgres_gateway"
    )
    return Crowd(stack, eight_at_once(stack.url))


def test_every_person_is_told_their_referral_was_sent(crowd: Crowd) -> None:
    unfinished = {
        walk.sender: [turn.outcome for turn in walk.turns[-3:]]
        for walk in crowd.result.walks
        if walk.reference is None
    }
    assert len(crowd.result.walks) == PEOPLE
    assert unfinished == {}


def test_no_one_is_told_the_bot_cannot_answer(crowd: Crowd) -> None:
    turns = [turn for walk in crowd.result.walks for turn in walk.turns]
    assert [turn.text for turn in turns if turn.outcome == CANNOT_ANSWER] == []
    assert [turn.text for turn in turns if turn.outcome == ERROR] == []


def test_every_referral_is_in_its_teams_queue(crowd: Crowd) -> None:
    told = {(walk.target.team.id, walk.reference) for walk in crowd.result.walks}
    queued = {
        (team_id, str(referral["reference"]))
        for team_id in TEAMS
        for referral in crowd.stack.referrals(team_id)
    }
    assert len(told) == PEOPLE
    assert told - queued == set()


def test_every_message_sent_is_stored(crowd: Crowd) -> None:
    ledger = check_ledger(crowd.stack.env["DATABASE_URL"], crowd.result.walks)
    assert ledger.messages_in == sum(len(walk.turns) for walk in crowd.result.walks)
    assert (ledger.messages_stored, ledger.lost) == (ledger.messages_in, 0)

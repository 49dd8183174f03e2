"""Two Rasa instances behind one gateway (`triage up --rasa-instances 2`), sharing every
conversation through PostgreSQL (the tracker store) and Redis (the lock store).

People text whole referrals at once; each conversation keeps to one instance, and the
conversations spread across both. Midway the busier instance is killed, as a crash
would, and the supervisor starts it again; its conversations go on at the other.
Nothing may be lost (every message stored, every referral told "sent" in the queue),
handled twice or out of order (each referral holds exactly the answers given, each to its
own question), and nobody may be left stuck.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.conftest import RunningStack, stack_environment, start_stack, stop_stack
from tests.integration.test_concurrent_conversations import targets
from tests.integration.walking import FLOW_OF, stored_fields
from tests.support.expected import expected_fields
from webhooks.dev.load import Load, LoadPlan, LoadResult
from webhooks.dev.soak import check_ledger
from webhooks.dev.texting import CANNOT_ANSWER, ERROR, Patience

REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
# Ten, so that both instances get conversations (by the hash of each one's id): all ten
# on one would be a chance of one in 500.
PEOPLE = 10
# Numbers of this module's own in the drama range, apart from other tests' senders.
FIRST_NUMBER = 900
# The busier instance is killed once both have answered this many turns in all: about a
# fifth of the way.
KILL_AFTER_ANSWERS = 120
NAME = "Sam Jones"


def consecutive_free_ports() -> int:
    """A port with the one after it free too (the second instance's)."""
    for _ in range(50):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise AssertionError("no two consecutive free ports")


def answered_by(stack: RunningStack) -> dict[str, float]:
    """Turns each Rasa instance answered, from the gateway's metrics."""
    text = requests.get(f"{stack.url}/metrics", timeout=5).text
    return {
        instance: float(count)
        for instance, count in re.findall(
            r'^triage_rasa_answers_total\{instance="(\d+)"\} (\S+)$', text, re.MULTILINE
        )
    }


@pytest.fixture(scope="module")
def scaled(
    tmp_path_factory: pytest.TempPathFactory, twilio_rest: FakeTwilio, postgres_database: str
) -> Iterator[RunningStack]:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    work = tmp_path_factory.mktemp("scaled")
    env = stack_environment(
        work,
        twilio_rest,
        RASA_PORT=str(consecutive_free_ports()),
        DATABASE_URL=postgres_database,
        REDIS_URL=REDIS_URL,
    )
    running = start_stack(env, twilio_rest, "--rasa-instances", "2")
    yield running
    # The action server, two Rasa instances, the gateway and the alert sender.
    stop_stack(running, processes=5)


@dataclass(frozen=True)
class Run:
    stack: RunningStack
    result: LoadResult
    # Turns each instance had answered when one was killed, and which ("1" or "2").
    before_kill: dict[str, float]
    killed_instance: str
    killed: int


def instance_name(instance: str) -> str:
    """The supervisor's name for an instance: "rasa", "rasa 2"."""
    return "rasa" if instance == "1" else f"rasa {instance}"


@pytest.fixture(scope="module")
def run(scaled: RunningStack) -> Run:
    """Whole referrals, all at once, with the busier instance killed early on."""
    plan = LoadPlan(
        url=scaled.url,
        auth_token=TWILIO_AUTH_TOKEN,
        targets=targets(),
        concurrency=PEOPLE,
        conversations=PEOPLE,
        # Longer than a restart takes: a person told "cannot answer" sends it again.
        patience=Patience(max_turns=200, give_up_seconds=120, pause_seconds=1),
        first_number=FIRST_NUMBER,
    )
    load = Load(plan)
    seen: dict[str, float] = {}
    killed: list[tuple[str, int]] = []

    def kill_the_busier() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            counts = answered_by(scaled)
            if sum(counts.values()) >= KILL_AFTER_ANSWERS:
                seen.update(counts)
                busier = max(counts, key=lambda instance: counts[instance])
                port = int(scaled.env["RASA_PORT"]) + int(busier) - 1
                pid = scaled.rasa_pid(port)
                os.kill(pid, signal.SIGKILL)
                killed.append((busier, pid))
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_the_busier, daemon=True)
    killer.start()
    result = load.run()
    killer.join(timeout=10)
    assert killed, "no instance was killed: too few turns were answered"
    [(instance, pid)] = killed
    return Run(scaled, result, seen, instance, pid)


def test_the_conversations_spread_across_both_instances(run: Run) -> None:
    assert run.before_kill.get("1", 0) > 0
    assert run.before_kill.get("2", 0) > 0


def test_the_killed_instance_is_started_again_and_answers_again(run: Run) -> None:
    name = instance_name(run.killed_instance)
    said = "".join(run.stack.read_output())
    assert f"{name} stopped (killed by SIGKILL)" in said
    deadline = time.monotonic() + 120
    while f"{name} is ready again" not in "".join(run.stack.read_output()):
        assert time.monotonic() < deadline, run.stack.output[-5:]
        time.sleep(1)
    port = int(run.stack.env["RASA_PORT"]) + int(run.killed_instance) - 1
    assert run.stack.rasa_pid(port) != run.killed


def test_every_person_is_told_their_referral_was_sent(run: Run) -> None:
    unfinished = {
        walk.sender: [turn.outcome for turn in walk.turns[-3:]]
        for walk in run.result.walks
        if walk.reference is None
    }
    assert len(run.result.walks) == PEOPLE
    assert unfinished == {}


def test_nothing_is_lost(run: Run) -> None:
    ledger = check_ledger(run.stack.env["DATABASE_URL"], run.result.walks)
    assert ledger.messages_in == sum(len(walk.turns) for walk in run.result.walks)
    assert (ledger.messages_stored, ledger.referrals_committed) == (
        ledger.messages_in,
        PEOPLE,
    )
    assert ledger.lost == 0


def test_no_turn_is_handled_twice_or_out_of_order(run: Run) -> None:
    # An answer handled twice, or two turns of one conversation at once, would put an
    # answer on the wrong question: each referral must hold exactly what was answered.
    for walk in run.result.walks:
        headers = {"Authorization": f"Bearer {run.stack.api_token(walk.target.team.id)}"}
        listed = requests.get(
            f"{run.stack.url}/api/referrals?per_page=200", headers=headers, timeout=10
        ).json()["referrals"]
        [summary] = [r for r in listed if r["reference"] == walk.reference]
        detail = requests.get(
            f"{run.stack.url}/api/referrals/{summary['id']}", headers=headers, timeout=10
        ).json()
        flow = FLOW_OF[walk.target.team.id]
        assert stored_fields(detail) == expected_fields(flow, "self", NAME), walk.sender


def test_only_turns_caught_by_the_kill_are_answered_cannot_answer(run: Run) -> None:
    # A message the killed instance was handling gets "cannot answer" (it may have been
    # handled), and so may the next of that conversation while the dead instance's lock
    # lasts (10 s). Every other turn, while the instance restarts too, is answered by the
    # one that is up: passed over, the killed one would leave a hundred unanswered here.
    turns = [turn for walk in run.result.walks for turn in walk.turns]
    assert [turn.text for turn in turns if turn.outcome == ERROR] == []
    assert len([turn for turn in turns if turn.outcome == CANNOT_ANSWER]) <= 2 * PEOPLE

"""Rasa killed in the middle of a referral: `triage up` starts it again, and the referral
carries on at the question it was on, because Rasa keeps conversations in the database.

Also: Rasa 3.6 itself reads back the stores `triage up` writes into its endpoints file,
on SQLite and on PostgreSQL with Redis locks.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import requests
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import DropSchema

from tests.conftest import TWILIO_AUTH_TOKEN, postgres_schema
from tests.integration.conftest import RunningStack
from tests.integration.walking import answer_until, referral_by_name, respondent, stored_fields
from tests.support.expected import expected_fields
from webhooks.db.engine import make_engine
from webhooks.dev.processes import RASA_VENV, rasa_environment
from webhooks.dev.rasa_stores import RasaStores, create_schema
from webhooks.dev.simulator import SmsSimulator
from webhooks.dev.stack import BOT_DIR

TEAM, NUMBER, FLOW = "together-london", "+442079460100", "together_london"
NAME = "Rowan Ellis"
# The supervisor waits 1 s, then Rasa loads its model again (about 70-120 s).
RESTART_SECONDS = 180
REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()


def rasa_answers(stack: RunningStack) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{stack.env['RASA_PORT']}/", timeout=2).ok
    except requests.RequestException:
        return False


def queued_names(stack: RunningStack) -> list[object]:
    """The names on the team's referrals in the queue (the JSON API)."""
    fields = [cast("dict[str, object]", referral["fields"]) for referral in stack.referrals(TEAM)]
    return [field.get("full_name") for field in fields]


def wait_until_rasa_is_back(stack: RunningStack, killed: int) -> float:
    """Seconds until a new Rasa answers and the supervisor has said it is ready."""
    started = time.monotonic()
    while time.monotonic() - started < RESTART_SECONDS:
        said = "".join(stack.read_output())
        if "rasa is ready again" in said and rasa_answers(stack) and stack.rasa_pid() != killed:
            return time.monotonic() - started
        time.sleep(1)
    raise AssertionError(f"Rasa was not back within {RESTART_SECONDS} s: {stack.output[-5:]}")


def test_a_referral_carries_on_at_the_same_question_after_rasa_is_killed(
    stack: RunningStack,
) -> None:
    person = respondent(TEAM, "self", full_name=NAME)
    send = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300700", NUMBER).send
    asked, messages = answer_until(send, person, send("hello"), stop_before="contact_number")
    question, answer = person.reply_to(messages)
    assert question == "contact_number"
    rasa = stack.rasa_pid()

    os.kill(rasa, signal.SIGKILL)
    try:
        wait_until_rasa_is_back(stack, rasa)
    finally:
        # Later tests need the stack whole, whatever happened here.
        deadline = time.monotonic() + RESTART_SECONDS
        while not rasa_answers(stack) and time.monotonic() < deadline:
            time.sleep(1)
    assert "rasa stopped (killed by SIGKILL); restarting it in 1 s" in "".join(stack.output)

    replies = send(answer)
    following, _ = person.reply_to(replies)
    # A forgotten conversation would start again from its first question.
    assert following not in [*asked, question], replies
    rest, last = answer_until(send, person, replies)
    assert last[0].startswith("Thank you. Everything you told me is with your referral")
    assert not set(rest) & {*asked, question}
    assert NAME in queued_names(stack)
    assert stored_fields(referral_by_name(stack, TEAM, NAME)) == expected_fields(FLOW, "self", NAME)


@pytest.mark.parametrize("name", ["gateway", "rasa", "actions", "alerts"])
def test_triage_serve_runs_the_command_line_triage_up_runs(stack: RunningStack, name: str) -> None:
    # What a Procfile or a systemd unit runs is what `make run` runs, to the letter.
    printed = stack.triage("serve", name, "--print")
    assert printed.returncode == 0, printed.stderr
    command = shlex.split(printed.stdout)
    # A script's interpreter comes first on the command line of the running process.
    running = [argv for argv in stack.children().values() if argv[-len(command) :] == command]
    assert len(running) == 1, (command, list(stack.children().values()))


# Run in Rasa's own environment: save a conversation through the stores the endpoints
# file names, read it back through new stores (as a restarted Rasa would), take a lock.
READ_BACK = """
import asyncio, sys
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

endpoints, sender = sys.argv[1:3]


def tracker_store():
    return TrackerStore.create(read_endpoint_config(endpoints, "tracker_store"), Domain.empty())


async def main():
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered("carry on"))
    saved_by = tracker_store()
    await saved_by.save(tracker)
    again = await tracker_store().retrieve(sender)
    locks = LockStore.create(read_endpoint_config(endpoints, "lock_store"))
    async with locks.lock(sender):
        print(type(saved_by).__name__, type(locks).__name__, again.latest_message.text)


asyncio.run(main())
"""


def read_back(stores: RasaStores, tmp_path: Path) -> str:
    endpoints = tmp_path / "endpoints.yml"
    stores.prepare(endpoints, "http://127.0.0.1:1/webhook")
    result = subprocess.run(
        [str(RASA_VENV / "bin" / "python"), "-c", READ_BACK, str(endpoints), str(uuid.uuid4())],
        cwd=BOT_DIR,
        env={**rasa_environment(), **stores.environment()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_rasa_reads_back_a_conversation_from_the_sqlite_file_beside_the_gateways(
    tmp_path: Path,
) -> None:
    stores = RasaStores.for_urls(f"sqlite:///{tmp_path}/triage.db", None)

    assert read_back(stores, tmp_path) == "EncryptedSQLTrackerStore InMemoryLockStore carry on"
    assert (tmp_path / "triage-rasa.db").exists()
    assert not (tmp_path / "triage.db").exists()


@pytest.fixture
def gateway_postgres() -> Iterator[str]:
    """The gateway's database on PostgreSQL, in a schema of its own for this test."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    with postgres_schema() as url:
        yield url


@pytest.mark.postgres
def test_rasa_reads_back_a_conversation_from_its_own_postgresql_schema_with_redis_locks(
    tmp_path: Path, gateway_postgres: str
) -> None:
    stores = RasaStores.for_urls(gateway_postgres, REDIS_URL)

    assert read_back(stores, tmp_path) == "EncryptedSQLTrackerStore RedisLockStore carry on"
    gateway_schema = str(make_url(gateway_postgres).query["options"]).split("=")[-1]
    assert schemas_with_table(gateway_postgres, "events") & {"rasa", gateway_schema} == {"rasa"}


@pytest.mark.postgres
def test_rasas_schema_is_made_when_it_is_missing(gateway_postgres: str) -> None:
    schema = f"rasa_{uuid.uuid4().hex[:8]}"
    engine = make_engine(gateway_postgres)
    try:
        create_schema(gateway_postgres, schema)
        create_schema(gateway_postgres, schema)  # and left alone when it is there
        assert schema in inspect(engine).get_schema_names()
    finally:
        with engine.begin() as connection:
            connection.execute(DropSchema(schema, if_exists=True))
        engine.dispose()


def schemas_with_table(database_url: str, table: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT table_schema FROM information_schema.tables WHERE table_name = :t"),
                {"t": table},
            ).scalars()
            return set(found)
    finally:
        engine.dispose()

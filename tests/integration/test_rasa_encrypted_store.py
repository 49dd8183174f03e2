"""Rasa's own copy of each conversation is encrypted at rest.

Rasa 3.6 itself (in its own environment) saves and reads conversations through the
tracker store the endpoints file names, as `triage up` writes it; the tests then look at
the raw SQLite file, or a dump of the PostgreSQL schema, for what the person said.
No stack is started: only Rasa's Python, for a few seconds each time.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, free_port
from webhooks.db.engine import make_engine
from webhooks.dev.processes import RASA_VENV, StackConfig, rasa_environment, triage_processes
from webhooks.dev.rasa_events_keys import reencrypt_rasa_events
from webhooks.dev.rasa_stores import POSTGRESQL_SCHEMA, RasaStores, write_private
from webhooks.dev.stack import BOT_DIR

SAID = "I live at 14 Larch Close and my name is Rowan Ellis"
NAME, ADDRESS, PHONE = "Rowan Ellis", "14 Larch Close, Coventry CV3 4FJ", "+447911300700"
# What must not be found in the raw file or the dump: each on its own, so one left
# plain is named in the failure.
PERSONAL = [SAID, NAME, "Larch Close", PHONE, "7911300700"]

# Run in Rasa's own environment. `save <endpoints> <sender> <said> <name> <address>
# <phone>` adds what the person said and the slots it filled to the conversation;
# `read <endpoints> <sender>` prints the conversation as a restarted Rasa reads it.
# Both print the tracker store's class first: a store Rasa could not import would
# quietly become an in-memory one.
RASA_SCRIPT = """
import asyncio, json, sys
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

command, endpoints, sender = sys.argv[1:4]
SLOTS = ["full_name", "address", "contact_number"]
domain = Domain.from_dict(
    {"slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in SLOTS}}
)


async def main():
    store = TrackerStore.create(read_endpoint_config(endpoints, "tracker_store"), domain)
    print(type(store).__name__)
    if command == "save":
        said, *values = sys.argv[4:]
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
        tracker.update(UserUttered(said))
        for name, value in zip(SLOTS, values):
            tracker.update(SlotSet(name, value))
        await store.save(tracker)
    else:
        tracker = await store.retrieve(sender)
        said = [event.text for event in tracker.events if isinstance(event, UserUttered)]
        print(json.dumps({"said": said, "slots": {n: tracker.get_slot(n) for n in SLOTS}}))


asyncio.run(main())
"""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def rasa(
    stores: RasaStores, endpoints: Path, command: str, *arguments: str, **environ: str | None
) -> subprocess.CompletedProcess[str]:
    """RASA_SCRIPT in Rasa's environment as `triage up` makes it, changed by `environ`
    (None removes a variable)."""
    script = [str(RASA_VENV / "bin" / "python"), "-c", RASA_SCRIPT, command, str(endpoints)]
    return subprocess.run(
        [*script, *arguments],
        cwd=BOT_DIR,
        env=changed({**rasa_environment(), **stores.environment()}, environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def changed(env: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    kept = {name: value for name, value in env.items() if name not in changes}
    return {**kept, **{name: value for name, value in changes.items() if value is not None}}


def succeeded(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()


def save(stores: RasaStores, endpoints: Path, sender: str, key: str) -> None:
    saved = rasa(stores, endpoints, "save", sender, SAID, NAME, ADDRESS, PHONE, **keys(key))
    assert succeeded(saved) == ["EncryptedSQLTrackerStore"]


def read(stores: RasaStores, endpoints: Path, sender: str, key: str) -> dict[str, Any]:
    store, conversation = succeeded(rasa(stores, endpoints, "read", sender, **keys(key)))
    assert store == "EncryptedSQLTrackerStore"
    found: dict[str, Any] = json.loads(conversation)
    return found


def keys(value: str) -> dict[str, str | None]:
    return {"TRIAGE_DATA_KEYS": value, "TRIAGE_DATA_KEYS_FILE": None}


WHOLE = {"said": [SAID], "slots": {"full_name": NAME, "address": ADDRESS, "contact_number": PHONE}}


@pytest.fixture
def sqlite_stores(tmp_path: Path) -> tuple[RasaStores, Path]:
    """Rasa's stores beside a gateway's SQLite file, and the endpoints file naming them."""
    stores = RasaStores.for_urls(f"sqlite:///{tmp_path}/triage.db", None)
    endpoints = tmp_path / "endpoints.yml"
    stores.prepare(endpoints, "http://127.0.0.1:1/webhook")
    return stores, endpoints


def rasa_file(tmp_path: Path) -> Path:
    return tmp_path / "triage-rasa.db"


def test_a_conversation_comes_back_whole_and_the_raw_file_holds_nothing_the_person_said(
    tmp_path: Path, sqlite_stores: tuple[RasaStores, Path]
) -> None:
    stores, endpoints = sqlite_stores
    key, sender = new_key(), str(uuid.uuid4())

    save(stores, endpoints, sender, key)

    assert read(stores, endpoints, sender, key) == WHOLE
    raw = rasa_file(tmp_path).read_bytes()
    assert [value for value in PERSONAL if value.encode() in raw] == []
    with sqlite3.connect(rasa_file(tmp_path)) as connection:
        rows = connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events"
        ).fetchall()
    # One event for what was said, one per slot; every other column holds only names.
    assert sorted((row[1], row[3]) for row in rows) == [
        ("slot", "address"),
        ("slot", "contact_number"),
        ("slot", "full_name"),
        ("user", None),
    ]
    assert {row[0] for row in rows} == {sender}
    assert all(Fernet(key.encode()).decrypt(row[4].encode()) for row in rows)


def test_conversations_stored_before_encryption_are_still_read_and_carry_on_encrypted(
    tmp_path: Path, sqlite_stores: tuple[RasaStores, Path]
) -> None:
    stores, encrypted = sqlite_stores
    # The endpoints file as it was before: Rasa's own SQL store, which writes plain JSON.
    plain = tmp_path / "plain-endpoints.yml"
    endpoints = stores.endpoints("http://127.0.0.1:1/webhook")
    endpoints["tracker_store"] = {**stores.tracker_store, "type": "SQL"}
    write_private(plain, yaml.safe_dump(endpoints))
    key, sender = new_key(), str(uuid.uuid4())
    said_before = rasa(stores, plain, "save", sender, "hello", "Sam Old", "", "", **keys(key))
    assert succeeded(said_before) == ["SQLTrackerStore"]

    save(stores, encrypted, sender, key)

    assert read(stores, encrypted, sender, key) == {**WHOLE, "said": ["hello", SAID]}
    with sqlite3.connect(rasa_file(tmp_path)) as connection:
        stored = [row[0] for row in connection.execute("SELECT data FROM events ORDER BY id")]
    # The old rows stay as they were until `triage keys rotate`; the new ones are tokens.
    assert [value.startswith("{") for value in stored] == [True] * 4 + [False] * 4


def test_after_rotating_the_conversations_open_with_the_new_key_alone(
    tmp_path: Path, sqlite_stores: tuple[RasaStores, Path]
) -> None:
    stores, endpoints = sqlite_stores
    old, new, sender = new_key(), new_key(), str(uuid.uuid4())
    save(stores, endpoints, sender, old)
    # Rasa restarted with the new key in front: it reads the old rows, writes new ones.
    assert read(stores, endpoints, sender, f"{new},{old}") == WHOLE

    rewritten = reencrypt_rasa_events(
        f"sqlite:///{tmp_path}/triage.db", MultiFernet([Fernet(new), Fernet(old)])
    )

    assert rewritten == 4
    assert read(stores, endpoints, sender, new) == WHOLE
    with_old_key_only = rasa(stores, endpoints, "read", sender, **keys(old))
    assert with_old_key_only.returncode != 0
    assert "opens with none of TRIAGE_DATA_KEYS" in with_old_key_only.stderr


def test_without_keys_rasa_stops_at_start_with_one_line_naming_triage_data_keys(
    tmp_path: Path,
) -> None:
    # Rasa's command line exactly as `triage up` and `triage serve rasa` run it.
    config = StackConfig(
        gateway_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        database_url=f"sqlite:///{tmp_path}/triage.db",
        log_dir=tmp_path,
        run_dir=tmp_path,
    )
    spec = next(spec for spec in triage_processes(config) if spec.name == "rasa")
    assert spec.prepare is not None
    spec.prepare()

    result = subprocess.run(
        spec.command,
        cwd=spec.cwd,
        env=changed(spec.env, {"TRIAGE_DATA_KEYS": None, "TRIAGE_DATA_KEYS_FILE": None}),
        capture_output=True,
        text=True,
        # It stops as it makes its stores, before loading its model.
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1] == (
        "\x1b[91mDataKeysMissing: TRIAGE_DATA_KEYS is not set (set TRIAGE_DATA_KEYS or "
        "TRIAGE_DATA_KEYS_FILE): Rasa keeps conversations encrypted under it\x1b[0m"
    )
    # It stopped before connecting: nothing was made, let alone stored plain.
    assert not rasa_file(tmp_path).exists()


def test_a_wrong_key_is_refused_without_being_shown(
    tmp_path: Path, sqlite_stores: tuple[RasaStores, Path]
) -> None:
    stores, endpoints = sqlite_stores

    result = rasa(stores, endpoints, "read", "anyone", **keys("not-a-fernet-key"))

    assert result.returncode != 0
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("TRIAGE_DATA_KEYS must be Fernet keys separated by commas, newest first")
    )
    assert "not-a-fernet-key" not in result.stderr


def test_the_keys_can_come_from_a_file(
    tmp_path: Path, sqlite_stores: tuple[RasaStores, Path]
) -> None:
    stores, endpoints = sqlite_stores
    key, sender = new_key(), str(uuid.uuid4())
    key_file = tmp_path / "data-keys"
    write_private(key_file, f"{key}\n")
    from_file = {"TRIAGE_DATA_KEYS": None, "TRIAGE_DATA_KEYS_FILE": str(key_file)}

    saved = rasa(stores, endpoints, "save", sender, SAID, NAME, ADDRESS, PHONE, **from_file)
    assert succeeded(saved) == ["EncryptedSQLTrackerStore"]

    assert read(stores, endpoints, sender, key) == WHOLE


@pytest.fixture
def rasa_schema() -> Iterator[str]:
    """A schema of this test's own for Rasa's table in the test PostgreSQL database (not
    `rasa`, which other tests and other runs may be using)."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"rasa_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_a_dump_of_rasas_schema_holds_nothing_the_person_said(
    tmp_path: Path, rasa_schema: str
) -> None:
    stores = RasaStores.for_urls(POSTGRES_URL, None)
    endpoints = tmp_path / "endpoints.yml"
    write_private(endpoints, yaml.safe_dump(stores.endpoints("http://127.0.0.1:1/webhook")))
    key, sender = new_key(), str(uuid.uuid4())
    in_schema = {POSTGRESQL_SCHEMA: rasa_schema}

    saved = rasa(
        stores, endpoints, "save", sender, SAID, NAME, ADDRESS, PHONE, **in_schema, **keys(key)
    )
    assert succeeded(saved) == ["EncryptedSQLTrackerStore"]
    read_back = rasa(stores, endpoints, "read", sender, **in_schema, **keys(key))
    assert json.loads(succeeded(read_back)[1]) == WHOLE

    libpq_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    dump = subprocess.run(
        ["pg_dump", "--data-only", f"--schema={rasa_schema}", libpq_url.render_as_string(False)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert sender in dump  # the dump is of Rasa's rows
    assert [value for value in PERSONAL if value in dump] == []

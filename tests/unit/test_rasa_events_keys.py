"""`triage keys rotate`, Rasa's part: its conversation events rewritten under the newest
data key, in batches, on SQLite (the file beside the gateway's) and PostgreSQL.

Rasa's table is made here column for column as Rasa makes it; that Rasa itself reads
the rows afterwards is tested in tests/integration/test_rasa_encrypted_store.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    text,
)

from tests.conftest import POSTGRES_URL
from webhooks.db.engine import make_engine
from webhooks.dev.rasa_events_keys import (
    RasaEventsPlace,
    RasaEventUnreadable,
    open_event,
    reencrypt_events,
    reencrypt_rasa_events,
)

OLD, NEW, LOST = (Fernet.generate_key() for _ in range(3))
BOTH = MultiFernet([Fernet(NEW), Fernet(OLD)])


def events_table(schema: str | None) -> Table:
    # Rasa's own table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
    return Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
        schema=schema,
    )


def event(number: int) -> str:
    """An event as Rasa stores it: JSON, here a slot holding a name."""
    return json.dumps({"event": "slot", "name": "full_name", "value": f"Rowan Ellis {number}"})


class RasaTable:
    """Rasa's events table at one place, for putting rows in and reading them raw."""

    def __init__(self, place: RasaEventsPlace, engine: Engine) -> None:
        self.place = place
        self.engine = engine
        self.table = events_table(place.schema)
        self.table.metadata.create_all(engine)

    def add(self, *stored: str | None) -> None:
        with self.engine.begin() as connection:
            for data in stored:
                connection.execute(
                    insert(self.table).values(sender_id="c1", type_name="slot", data=data)
                )

    def stored(self) -> list[str | None]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(self.table.c.data).order_by(self.table.c.id)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rasa_table(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RasaTable]:
    """Rasa's table where `triage up` has Rasa keep it: the file beside the gateway's
    SQLite file; on PostgreSQL a schema of this test's own (not `rasa`, which other tests
    and runs may be using)."""
    if request.param == "sqlite":
        place = RasaEventsPlace.beside(f"sqlite:///{tmp_path}/triage.db")
        assert place is not None
        engine = create_engine(place.url)
        yield RasaTable(place, engine)
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"rasa_{uuid.uuid4().hex[:12]}"
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield RasaTable(RasaEventsPlace(POSTGRES_URL, schema), engine)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def under(key: bytes, data: str) -> str:
    return Fernet(key).encrypt(data.encode()).decode()


def opens_with(key: bytes, token: str | None) -> str | None:
    """The JSON a stored token holds under this key alone, or None if it does not open."""
    assert token is not None
    try:
        return Fernet(key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def test_plain_rows_and_rows_under_the_old_key_end_up_under_the_new_key_alone(
    rasa_table: RasaTable,
) -> None:
    rasa_table.add(event(1), under(OLD, event(2)), event(3), None, under(OLD, event(5)))

    rewritten = reencrypt_events(rasa_table.place, BOTH, batch=2, newest=Fernet(NEW))

    assert rewritten == 4
    stored = rasa_table.stored()
    assert stored[3] is None  # nothing to encrypt
    kept = [data for data in stored if data is not None]
    assert [opens_with(NEW, data) for data in kept] == [event(1), event(2), event(3), event(5)]
    assert [opens_with(OLD, data) for data in kept] == [None] * 4


def test_a_second_run_rewrites_nothing_and_changes_nothing(rasa_table: RasaTable) -> None:
    rasa_table.add(event(1), under(OLD, event(2)))
    reencrypt_events(rasa_table.place, BOTH, newest=Fernet(NEW))
    after_first = rasa_table.stored()

    assert reencrypt_events(rasa_table.place, BOTH, newest=Fernet(NEW)) == 0
    assert rasa_table.stored() == after_first


def test_without_the_newest_key_on_its_own_every_row_is_rewritten_again_and_still_opens(
    rasa_table: RasaTable,
) -> None:
    rasa_table.add(event(1), under(NEW, event(2)))

    assert reencrypt_events(rasa_table.place, BOTH) == 2
    assert reencrypt_events(rasa_table.place, BOTH) == 2
    assert [opens_with(NEW, data) for data in rasa_table.stored()] == [event(1), event(2)]


def test_a_run_stopped_half_way_keeps_what_it_did_and_the_next_run_does_the_rest(
    rasa_table: RasaTable,
) -> None:
    # The third row is under a key left out of the keys given: the run stops there.
    rasa_table.add(event(1), under(OLD, event(2)), under(LOST, event(3)), event(4))

    with pytest.raises(RasaEventUnreadable, match="TRIAGE_DATA_KEYS"):
        reencrypt_events(rasa_table.place, BOTH, batch=1, newest=Fernet(NEW))
    done_before = rasa_table.stored()
    assert [opens_with(NEW, data) for data in done_before[:2]] == [event(1), event(2)]
    assert opens_with(LOST, done_before[2]) == event(3)
    assert done_before[3] == event(4)

    with_the_lost_key = MultiFernet([Fernet(NEW), Fernet(OLD), Fernet(LOST)])
    assert reencrypt_events(rasa_table.place, with_the_lost_key, newest=Fernet(NEW)) == 2
    assert rasa_table.stored()[:2] == done_before[:2]
    assert [opens_with(NEW, data) for data in rasa_table.stored()] == [
        event(n) for n in (1, 2, 3, 4)
    ]


def test_the_raw_sqlite_file_no_longer_holds_what_the_plain_rows_said(tmp_path: Path) -> None:
    place = RasaEventsPlace.beside(f"sqlite:///{tmp_path}/triage.db")
    assert place is not None
    engine = create_engine(place.url)
    table = RasaTable(place, engine)
    table.add(*(event(number) for number in range(300)))
    engine.dispose()
    rasa_file = tmp_path / "triage-rasa.db"
    assert b"Rowan Ellis" in rasa_file.read_bytes()

    assert reencrypt_rasa_events(f"sqlite:///{tmp_path}/triage.db", BOTH, batch=50) == 300

    assert b"Rowan Ellis" not in rasa_file.read_bytes()


def test_with_nothing_of_rasas_there_yet_nothing_is_rewritten_nor_made(tmp_path: Path) -> None:
    gateway = f"sqlite:///{tmp_path}/triage.db"

    assert reencrypt_rasa_events(gateway, BOTH) == 0
    assert not (tmp_path / "triage-rasa.db").exists()

    # Rasa's file, before Rasa made its table in it.
    empty = create_engine(f"sqlite:///{tmp_path}/triage-rasa.db")
    empty.connect().close()
    empty.dispose()
    assert reencrypt_rasa_events(gateway, BOTH) == 0
    # An in-memory database (a test's): Rasa cannot keep anything beside it.
    assert reencrypt_rasa_events("sqlite://", BOTH) == 0


@pytest.mark.postgres
def test_on_postgresql_a_schema_without_rasas_table_has_nothing_to_rewrite() -> None:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"rasa_{uuid.uuid4().hex[:12]}"
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        assert reencrypt_events(RasaEventsPlace(POSTGRES_URL, schema), BOTH) == 0
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_rasas_events_are_looked_for_where_triage_up_tells_rasa_to_keep_them(
    tmp_path: Path,
) -> None:
    postgres = "postgresql://triage:secret@db.internal/triage"

    assert RasaEventsPlace.beside(postgres) == RasaEventsPlace(postgres, "rasa")
    assert RasaEventsPlace.beside(f"sqlite:///{tmp_path}/var/triage.db") == RasaEventsPlace(
        f"sqlite:///{tmp_path.resolve()}/var/triage-rasa.db"
    )
    assert "secret" not in repr(RasaEventsPlace.beside(postgres))


def test_a_batch_must_hold_at_least_one_row(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch"):
        reencrypt_rasa_events(f"sqlite:///{tmp_path}/triage.db", BOTH, batch=0)


def test_an_event_reads_the_same_whether_it_was_stored_plain_or_encrypted() -> None:
    assert open_event(event(1), BOTH) == event(1)
    assert open_event(under(OLD, event(2)), BOTH) == event(2)
    with pytest.raises(RasaEventUnreadable, match="TRIAGE_DATA_KEYS"):
        open_event(under(LOST, event(3)), BOTH)

"""Rasa's copy of the conversations under the newest data key (`triage keys rotate`).

Rasa keeps each event of each conversation in its own table, `events`, where
webhooks/dev/rasa_stores.py puts it: a SQLite file beside the gateway's, or schema `rasa`
of the gateway's PostgreSQL database. Its tracker store (bot/stores/
encrypted_tracker_store.py) writes each event's `data` as a Fernet token under the newest
of TRIAGE_DATA_KEYS; rows from before that store was used are plain JSON. Rotating a key
means rewriting every row under the newest key, so the old key can then be dropped.

The rows are rewritten in batches, each committed on its own, so a run that is stopped
half-way has lost nothing and can simply be run again. Rasa keeps writing while this runs
(it only ever adds rows), so it should already have been restarted with the new key in
front; a row written by a Rasa still on the old key is rewritten by the next run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url

from webhooks.db.engine import make_engine
from webhooks.dev.rasa_stores import RasaStores, StoreError

EVENTS_TABLE = "events"


class RasaEventUnreadable(RuntimeError):
    """A row of Rasa's opens with none of the keys given (an older key is missing)."""


@dataclass(frozen=True)
class RasaEventsPlace:
    """Where Rasa's `events` table is: a database and, on PostgreSQL, a schema."""

    url: str = field(repr=False)  # may hold a password
    schema: str | None = None

    @classmethod
    def beside(cls, database_url: str) -> RasaEventsPlace | None:
        """Where Rasa keeps its events for the gateway's DATABASE_URL, as `triage up`
        tells Rasa in its endpoints file; None where Rasa cannot keep any (an in-memory
        database)."""
        try:
            stores = RasaStores.for_urls(database_url, None)
        except StoreError:
            return None
        if stores.schema is not None:
            return cls(database_url, stores.schema)
        return cls(f"sqlite:///{stores.tracker_store['db']}")


def is_plain(data: str) -> bool:
    """Whether a stored `data` is an event as JSON rather than a Fernet token: an event is
    always a JSON object, and a token is URL-safe base64, which has no "{". (Rasa's store
    reads rows by the same rule: bot/stores/encrypted_tracker_store.py.)"""
    return data.lstrip().startswith("{")


def open_event(data: str, keys: MultiFernet) -> str:
    """An event's JSON as Rasa stored it, whether encrypted or from before (a subject
    access export reads Rasa's rows through this)."""
    if is_plain(data):
        return data
    try:
        return keys.decrypt(data.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise RasaEventUnreadable(
            "one of Rasa's conversation events opens with none of TRIAGE_DATA_KEYS: "
            "is an older key missing?"
        ) from error


def reencrypt_rasa_events(
    database_url: str, keys: MultiFernet, batch: int = 500, *, newest: Fernet | None = None
) -> int:
    """Rewrite every event Rasa keeps beside this database under the newest key (plain
    rows get encrypted); how many rows were rewritten. Nothing there yet: 0.

    `newest`, the newest key on its own, lets rows already under it be left alone, so a
    second run (or the rest of an interrupted one) rewrites only what is left."""
    place = RasaEventsPlace.beside(database_url)
    if place is None:
        return 0
    return reencrypt_events(place, keys, batch, newest=newest)


def reencrypt_events(
    place: RasaEventsPlace, keys: MultiFernet, batch: int = 500, *, newest: Fernet | None = None
) -> int:
    """reencrypt_rasa_events for a table found at `place`."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    rewritten = 0
    with _events(place) as found:
        if found is None:
            return 0
        engine, events = found
        after: int | None = None
        while True:
            with engine.begin() as connection:
                query = select(events.c.id, events.c.data).where(events.c.data.is_not(None))
                if after is not None:
                    query = query.where(events.c.id > after)
                rows = connection.execute(query.order_by(events.c.id).limit(batch)).all()
                if not rows:
                    return rewritten
                for row in rows:
                    new = _under_newest(row.data, keys, newest)
                    if new is None:
                        continue
                    # Only if unchanged since it was read (another run may have been first).
                    done = connection.execute(
                        update(events)
                        .where(events.c.id == row.id, events.c.data == row.data)
                        .values(data=new)
                    )
                    rewritten += done.rowcount
                after = rows[-1].id


def _under_newest(data: str, keys: MultiFernet, newest: Fernet | None) -> str | None:
    """The row's data under the newest key, or None when it already is."""
    if is_plain(data):
        return keys.encrypt(data.encode("utf-8")).decode("ascii")
    token = data.encode("ascii", errors="replace")
    if newest is not None:
        try:
            newest.decrypt(token)
        except InvalidToken:
            pass
        else:
            return None
    try:
        return keys.rotate(token).decode("ascii")
    except InvalidToken as error:
        raise RasaEventUnreadable(
            "one of Rasa's conversation events opens with none of TRIAGE_DATA_KEYS: "
            "is an older key missing? (the batches before it are kept: add it, run again)"
        ) from error


@contextmanager
def _events(place: RasaEventsPlace) -> Iterator[tuple[Engine, Table] | None]:
    """An engine and Rasa's table, or None if Rasa has not made it (nor its file) yet."""
    url = make_url(place.url)
    if url.get_backend_name() == "sqlite":
        if not Path(url.database or "").is_file():
            yield None  # connecting would make an empty file where Rasa will make its own
            return
        # Rasa's own file, opened as Rasa opens it: none of the gateway's settings (Rasa's
        # store sets its journal mode itself: bot/stores/encrypted_tracker_store.py).
        engine = create_engine(url)
        event.listen(engine, "connect", _overwrite_what_is_freed)
    else:
        engine = make_engine(place.url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(EVENTS_TABLE, schema=place.schema):
                yield None
                return
        # The columns this needs of Rasa's table (rasa/core/tracker_store.py, SQLEvent).
        table = Table(
            EVENTS_TABLE,
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("data", Text),
            schema=place.schema,
        )
        yield engine, table
    finally:
        engine.dispose()


def _overwrite_what_is_freed(dbapi_connection: Any, _record: object) -> None:
    # The plain JSON a row held before it was encrypted is overwritten with zeros, not
    # left in the file's free space for a search of the raw file to find. Many builds of
    # SQLite do this by default; not all do.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()

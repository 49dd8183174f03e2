"""Where Rasa keeps its conversations and locks, derived from the gateway's own settings.

Rasa reads its stores from an endpoints file. They depend on the environment, so the
file is written at each start of Rasa (by `triage up` and `triage serve rasa`):

- conversations (Rasa's SQL tracker store) beside the gateway's data. On PostgreSQL, the
  same database in Rasa's own schema (`rasa`, made here when missing: Rasa exits if the
  schema named by POSTGRESQL_SCHEMA does not exist). On SQLite, a file of its own beside
  the gateway's (triage.db -> triage-rasa.db): SQLite lets one writer at a time, and two
  processes writing one file would queue behind each other on every turn.
- locks (one turn at a time per conversation) in Redis when REDIS_URL is set, which more
  than one Rasa process needs; otherwise in Rasa's memory, enough for one Rasa process.

The conversations go through our own tracker store (bot/stores/encrypted_tracker_store.py):
Rasa's SQL store, same settings and table, with each event encrypted under
TRIAGE_DATA_KEYS, which Rasa's environment must therefore hold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from webhooks.db.engine import make_engine

# The environment variable Rasa's SQL tracker store reads its PostgreSQL schema from.
POSTGRESQL_SCHEMA = "POSTGRESQL_SCHEMA"
RASA_SCHEMA = "rasa"
# Redis keys become "triage:lock:<conversation>", apart from anything else in that Redis.
LOCK_KEY_PREFIX = "triage"
SQLITE_SUFFIX = "-rasa"
# Rasa's SQL tracker store with each event encrypted; Rasa imports it by this name, from
# bot/ on its PYTHONPATH (webhooks/dev/processes.py).
TRACKER_STORE_TYPE = "stores.encrypted_tracker_store.EncryptedSQLTrackerStore"


class StoreError(RuntimeError):
    """Rasa's stores cannot be set up from these settings."""


@dataclass(frozen=True)
class RasaStores:
    """Rasa's tracker and lock stores as its endpoints file states them."""

    # May hold passwords: kept out of repr, so out of any error message or log.
    tracker_store: dict[str, Any] = field(repr=False)
    lock_store: dict[str, Any] = field(repr=False)
    database_url: str = field(repr=False)
    # The PostgreSQL schema Rasa's tables live in; None on SQLite.
    schema: str | None = None

    @classmethod
    def for_urls(cls, database_url: str, redis_url: str | None) -> RasaStores:
        """The stores for the gateway's DATABASE_URL and, if set, REDIS_URL."""
        try:
            url = make_url(database_url)
        except ArgumentError as error:
            raise StoreError("DATABASE_URL is not a database URL") from error
        backend = url.get_backend_name()
        lock_store = _redis_lock_store(redis_url) if redis_url else {"type": "in_memory"}
        if backend == "sqlite":
            return cls(_sqlite_tracker_store(url), lock_store, database_url)
        if backend == "postgresql":
            tracker_store = _postgresql_tracker_store(url)
            return cls(tracker_store, lock_store, database_url, schema=RASA_SCHEMA)
        raise StoreError(f"DATABASE_URL: Rasa's conversations cannot be kept on {backend}")

    def environment(self) -> dict[str, str]:
        """What Rasa's environment must hold for these stores."""
        return {POSTGRESQL_SCHEMA: self.schema} if self.schema else {}

    def endpoints(self, action_url: str) -> dict[str, Any]:
        """Rasa's endpoints file as data: the action server and both stores."""
        # No action here reads the domain: Rasa need not send it with every call (27 KB).
        return {
            "action_endpoint": {"url": action_url, "enable_selective_domain": True},
            "tracker_store": self.tracker_store,
            "lock_store": self.lock_store,
        }

    def prepare(self, path: Path, action_url: str) -> None:
        """Write the endpoints file and make the schema, before Rasa starts."""
        write_private(path, yaml.safe_dump(self.endpoints(action_url), sort_keys=False))
        if self.schema is not None:
            create_schema(self.database_url, self.schema)


def write_private(path: Path, text: str) -> None:
    """Replace a file in one step, readable by its owner only (it may hold a password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


def create_schema(database_url: str, schema: str) -> None:
    """Make the schema unless it exists (so a user who may not create one can still start)."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if schema not in inspect(connection).get_schema_names():
                connection.execute(CreateSchema(schema, if_not_exists=True))
    except SQLAlchemyError as error:
        # The driver's own message, which names the host and the cause, never the password.
        cause = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StoreError(f"cannot make Rasa's schema {schema!r}: {cause}") from error
    finally:
        engine.dispose()


def _sqlite_tracker_store(url: URL) -> dict[str, Any]:
    if url.database in (None, "", ":memory:"):
        raise StoreError("DATABASE_URL names an in-memory SQLite database: use a file")
    path = Path(url.database).resolve()
    rasa_file = path.with_name(f"{path.stem}{SQLITE_SUFFIX}{path.suffix}")
    return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": str(rasa_file)}


def _postgresql_tracker_store(url: URL) -> dict[str, Any]:
    store: dict[str, Any] = {
        "type": TRACKER_STORE_TYPE,
        # Rasa's environment has its own driver (psycopg2): the dialect alone, no driver.
        "dialect": "postgresql",
        "url": url.host,
        "port": url.port,
        "db": url.database,
        "username": url.username,
        "password": url.password,
        # Repeated keys come as tuples, which YAML would not read back as lists.
        "query": {k: list(v) if isinstance(v, tuple) else v for k, v in url.query.items()},
    }
    return {key: value for key, value in store.items() if value is not None and value != {}}


def _redis_lock_store(redis_url: str) -> dict[str, Any]:
    url = urlsplit(redis_url)
    if url.scheme not in ("redis", "rediss"):
        raise StoreError("REDIS_URL must start with redis:// or rediss://")
    try:
        port = url.port or 6379
        database = int(url.path.strip("/") or 0)
    except ValueError as error:
        raise StoreError(
            "REDIS_URL: the port and the database (after the /) are numbers"
        ) from error
    store = {
        "type": "redis",
        "url": url.hostname or "localhost",
        "port": port,
        "db": database,
        "username": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        "use_ssl": url.scheme == "rediss",
        "key_prefix": LOCK_KEY_PREFIX,
    }
    return {key: value for key, value in store.items() if value is not None}

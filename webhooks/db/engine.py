"""Engines and sessions: one engine per app, one session (unit of work) per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

# Twilio gives up on a webhook after 15 s, and a turn may wait on the database more than
# once (the message, then the replies) besides Rasa: each wait is kept well inside that.
CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 4000
SQLITE_BUSY_TIMEOUT_MS = 4000
# Data sent and not acknowledged for this long means the server is gone.
TCP_USER_TIMEOUT_MS = 8000
# Waiting for a free pooled connection counts too (the default is 30 s).
POOL_TIMEOUT_SECONDS = 4


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite (file made if missing) or PostgreSQL (psycopg 3).

    Every wait is bounded: a database that hangs rather than refuses is treated like one
    that is down, in time for the person to be answered.
    """
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Server settings go in libpq's "options"; keep any the URL already sets (a schema's
    # search_path, say) rather than replacing them.
    timeouts = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}"
    given = url.query.get("options")
    options = " ".join([*([given] if isinstance(given, str) else list(given or ())), timeouts])
    return create_engine(
        url.difference_update_query(["options"]),
        pool_pre_ping=True,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        # A statement stuck behind a lock, or on a database that stopped answering, is
        # cancelled by the server instead of holding the person's turn.
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": options,
            # A server cut off by the network (not one that refuses) is noticed by TCP
            # within seconds instead of the kernel's default of minutes.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        },
    )


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # The driver's own transaction handling leaves DDL outside transactions, so a failed
    # migration would be half applied; SQLAlchemy emits BEGIN itself instead (below).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    # Foreign keys are off by default in SQLite; WAL lets the queue read while a webhook writes.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # What is deleted or overwritten (a purge, an erasure, a value encrypted on upgrade) is
    # zeroed on disk, not left readable in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def deferred(engine: Engine) -> Engine:
    """The same engine, for a long-lived session that mostly reads (a check, a report).

    On SQLite it begins DEFERRED: reading takes no lock in WAL mode, so keeping such a
    session open never makes a writer wait. Writing through it may be refused when
    another process wrote since it last read; that is why the gateway does not use it.
    """
    return engine.execution_options(sqlite_begin="DEFERRED")


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    # IMMEDIATE takes the write lock up front, waiting out busy_timeout if another
    # process holds it. A deferred BEGIN that reads and then writes is refused at once
    # in WAL mode whenever another writer committed in between (no waiting helps it), so
    # two people texting at once would see "cannot answer". Transactions stay short:
    # the turn ends its transaction before it waits on Rasa or Twilio.
    connection.exec_driver_sql(f"BEGIN {mode}")


def init_app(app: Flask, engine: Engine) -> None:
    """Attach session factories to the app and close each request's session after it."""
    app.extensions["session_factory"] = sessionmaker(bind=engine, expire_on_commit=False)
    reading = sessionmaker(bind=deferred(engine), expire_on_commit=False)
    event.listen(reading, "before_flush", _refuse_writing)
    event.listen(reading, "do_orm_execute", _refuse_writing_statement)
    app.extensions["read_session_factory"] = reading
    app.extensions["engine"] = engine

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


# Requests that only read: on SQLite their session begins DEFERRED and takes no lock, so
# a queue page or a readiness probe never makes a person's turn wait. A view answering
# one of these methods must not write.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadingRequestWrote(RuntimeError):
    """A reading request tried to write through its reading session."""


def _refuse_writing(session: Session, _context: object, _instances: object) -> None:
    # A reading session on SQLite sees the database as it was when it first read; a
    # write from that snapshot is refused at once whenever anyone else has committed
    # since, which on a busy gateway is a 500 that shows only under load. Refused here
    # on every database, so a test finds it whatever it runs on.
    changed = session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    if changed:
        raise ReadingRequestWrote(_wrote())


def _refuse_writing_statement(state: ORMExecuteState) -> None:
    # The same for an INSERT, UPDATE or DELETE statement executed through the session.
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadingRequestWrote(_wrote())


def _wrote() -> str:
    where = f"{request.method} {request.path}" if has_request_context() else "a reading session"
    return f"{where} wrote through its reading session; record with engine.recording() instead"


def _reading_request() -> bool:
    return has_request_context() and request.method in READING_METHODS


def db_session() -> Session:
    """This request's session; the view that writes decides when to commit."""
    if "db_session" not in g:
        factory = "read_session_factory" if _reading_request() else "session_factory"
        g.db_session = current_app.extensions[factory]()
    session: Session = g.db_session
    return session


@contextmanager
def recording() -> Iterator[Session]:
    """Where a request records what it did (an audit entry, a token's last use).

    A request that writes records in its own session: the entry lands with the change
    or not at all, when the view commits. A reading request records in a short
    transaction of its own, committed here: it takes the write lock only for the
    moment it writes, and never writes from its reading snapshot.
    """
    if not _reading_request():
        yield db_session()
        return
    session: Session = current_app.extensions["session_factory"]()
    try:
        yield session
        session.commit()
    finally:
        session.close()

"""Engines and sessions: one engine per app, one session (unit of work) per request."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite (file made if missing) or PostgreSQL (psycopg 3)."""
    url = make_url(database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # The driver's own transaction handling leaves DDL outside transactions, so a failed
    # migration would be half applied; SQLAlchemy emits BEGIN itself instead (below).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    # Foreign keys are off by default in SQLite; WAL lets the queue read while a webhook writes.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def init_app(app: Flask, engine: Engine) -> None:
    """Attach a session factory to the app and close each request's session after it."""
    app.extensions["session_factory"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["engine"] = engine

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def db_session() -> Session:
    """This request's session; the view that writes decides when to commit."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["session_factory"]()
    session: Session = g.db_session
    return session

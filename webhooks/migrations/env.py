"""Alembic environment: the engine comes from the caller (see webhooks.db.migrate)."""

from __future__ import annotations

from alembic import context

from webhooks.db.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it and dropping the old one, which foreign
        # keys from rows in other tables forbid; switch them off for the migration only.
        # The PRAGMA goes to the driver directly: inside a transaction it does nothing.
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    else:
        # The gateway's short statement timeout is for a person's turn; a migration that
        # rewrites a large table may rightly take longer. Waiting for a lock stays bounded:
        # queued behind a long transaction, it would make every turn queue behind it.
        connection.exec_driver_sql("SET statement_timeout = 0")
        connection.exec_driver_sql("SET lock_timeout = '10s'")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        # With SQLAlchemy emitting BEGIN (webhooks.db.engine), SQLite's DDL is transactional:
        # a failed upgrade is rolled back whole instead of being left half applied.
        transactional_ddl=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        else:
            # Back to the connection's own timeouts before it returns to the pool.
            connection.rollback()
            connection.exec_driver_sql("RESET statement_timeout")
            connection.exec_driver_sql("RESET lock_timeout")
            connection.commit()

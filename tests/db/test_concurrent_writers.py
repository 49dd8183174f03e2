"""Two requests that read and then write at the same moment both succeed (no "locked").

Each writer runs in its own process with its own engine, as two gunicorn workers do. On
SQLite a deferred BEGIN whose read later becomes a write is refused at once whenever the
other process committed in between; a write transaction must take the lock up front and
wait its turn instead.
"""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from webhooks.db import conversations
from webhooks.db.engine import make_engine
from webhooks.db.models import Message

WRITERS = 4
TURNS = 10


def _turns(database_url: str, writer: int, start: object) -> None:
    engine = make_engine(database_url)
    start.wait()  # type: ignore[attr-defined]
    for turn in range(TURNS):
        with Session(engine) as session:
            # Read first, then write, in one transaction: what a turn does.
            conversation = conversations.find_or_open_conversation(
                session, "south-essex", "sms", f"+44791100000{writer}"
            )
            conversations.last_message_at(session, conversation.id)
            conversations.add_inbound(
                session,
                conversation,
                f"turn {turn}",
                f"SM{writer:02d}{turn:030d}",
                at=datetime.now(timezone.utc),
            )
            session.commit()
    engine.dispose()


def test_processes_that_read_then_write_at_once_all_commit(
    database_url: str, engine: Engine
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [
        context.Process(target=_turns, args=(database_url, writer, start))
        for writer in range(WRITERS)
    ]
    for process in writers:
        process.start()
    start.set()
    for process in writers:
        process.join(timeout=120)
    assert [process.exitcode for process in writers] == [0] * WRITERS
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(Message))
    assert stored == WRITERS * TURNS

"""When the database is down, inbound messages wait on disk and are stored when it is back.

One JSON file per message, written atomically (temp file + rename) so a crash never
leaves half a message; files are removed only after the database has committed them.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import conversations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpooledMessage:
    """What is needed to store the message later, exactly as if the database had been up."""

    team_id: str
    channel: str
    contact_key: str
    text: str
    external_id: str | None
    received_at: str  # ISO-8601


def spool(directory: Path, message: SpooledMessage) -> Path:
    """Write one message to the spool (owner-only file); return its path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{message.received_at.replace(':', '')}-{uuid.uuid4().hex}.json"
    temporary = directory / f".{name}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(message), handle)
        handle.flush()
        os.fsync(handle.fileno())
    final = directory / name
    temporary.rename(final)
    log.warning("database unavailable: a message was kept in the spool")
    return final


def has_spooled(directory: Path) -> bool:
    """Cheap check, run before each turn."""
    if not directory.is_dir():
        return False
    with os.scandir(directory) as entries:
        return any(entry.name.endswith(".json") for entry in entries)


def ingest(work: UnitOfWork, directory: Path) -> int:
    """Store every spooled message (oldest first) as pending; return how many."""
    stored = 0
    for candidate in sorted(directory.glob("*.json")):
        # Claim the file first: another worker may be ingesting the same spool.
        path = candidate.with_name(f".{candidate.name}.{os.getpid()}.claimed")
        try:
            candidate.rename(path)
        except FileNotFoundError:
            continue
        session = work.session
        raw = json.loads(path.read_text(encoding="utf-8"))
        message = SpooledMessage(**raw)
        if message.external_id and conversations.message_by_external_id(
            session, message.external_id
        ):
            path.unlink()  # already stored by a retried delivery
            continue
        conversation = conversations.find_or_open_conversation(
            session, message.team_id, message.channel, message.contact_key
        )
        inbound = conversations.add_inbound(
            session,
            conversation,
            message.text,
            message.external_id,
            at=datetime.fromisoformat(message.received_at),
        )
        inbound.status = "pending"
        work.commit()
        path.unlink()
        stored += 1
    if stored:
        log.info("stored %d spooled message(s)", stored)
    return stored

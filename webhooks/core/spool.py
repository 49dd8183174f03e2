"""What waits on disk while the database cannot take it, until the ingester stores it.

The spool directory holds:
  <dir>/<arrival>-<uuid>.json            an inbound message (SpooledMessage)
  <dir>/referrals/<arrival>-<uuid>.json  a referral whose save failed (SpooledReferral)
  .<name>.<pid>.claimed                  a file being stored by the ingester with that pid
  <dir>/set-aside/                       files that could not be read, or that the database
                                         refused as they are: kept for a person, never deleted
Each file is written atomically (temp file, fsync, rename) so a crash never leaves half
of one, encrypted under the data keys as the database's copy would be (what it holds is
what the person wrote), and is removed only after the database has committed it; names start
with the arrival time in nanoseconds by the machine's own clock, so they sort in the
order things arrived even while TRIAGE_NOW pins the time the gateway reports.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from webhooks.db import crypto

log = logging.getLogger(__name__)
REFERRALS = "referrals"
SET_ASIDE = "set-aside"
CLAIMED_SUFFIX = ".claimed"
# Storing one file takes milliseconds: a claim or a half-written file this old belongs to
# a process that stopped (even if its pid has since been given to another).
STALE_SECONDS = 300


@dataclass(frozen=True)
class SpooledMessage:
    """What is needed to store the message later, exactly as if the database had been up."""

    team_id: str
    channel: str
    contact_key: str
    text: str
    external_id: str | None
    received_at: str  # ISO-8601, the gateway's clock
    # What the safety net found when it arrived: applied (flags, urgent, alerts) when stored.
    risk_categories: list[str] = field(default_factory=list)
    risk_evidence: list[str] = field(default_factory=list)
    # What the person was told, so the transcript shows it too.
    replies: list[str] = field(default_factory=list)
    # The message was stored before the database failed part way through its turn: only
    # what the turn found and said is still to be added to it.
    stored_as: int | None = None


@dataclass(frozen=True)
class SpooledReferral:
    """A finished referral the database refused at the moment the person confirmed it."""

    team_id: str
    conversation_id: str
    # The bot's hand-over record, exactly as it came (answers, consents, scores...).
    record: dict[str, Any]
    received_at: str  # ISO-8601, the gateway's clock: the referral's submitted time


def spool(directory: Path, message: SpooledMessage) -> Path:
    """Keep one inbound message on disk (owner-only file); return its path."""
    path = _write(directory, asdict(message))
    log.warning("database unavailable: a message was kept in the spool")
    return path


def keep_referral(directory: Path, referral: SpooledReferral) -> Path:
    """Keep a referral on disk until the database takes it; return its path."""
    path = _write(directory / REFERRALS, asdict(referral))
    log.warning("database unavailable: a referral was kept in the spool")
    return path


def waiting(directory: Path) -> list[Path]:
    """Messages, then referrals, not yet claimed, each in the order they arrived."""
    return [
        *sorted(_unclaimed(directory)),
        *sorted(_unclaimed(directory / REFERRALS)),
    ]


def claim(path: Path) -> Path | None:
    """Take a file for this process (renamed); None if another process took it first."""
    claimed = path.with_name(f".{path.name}.{os.getpid()}{CLAIMED_SUFFIX}")
    try:
        path.rename(claimed)
    except FileNotFoundError:
        return None
    # From now on its age is how long this claim has lasted (see STALE_SECONDS).
    os.utime(claimed)
    return claimed


def unclaim(claimed: Path) -> Path:
    """Give a claimed file back to the spool, under its own name again."""
    original = claimed.with_name(_original_name(claimed.name))
    claimed.rename(original)
    return original


def recover_claims(directory: Path) -> int:
    """Give back files left claimed by processes that stopped; return how many.

    An ingester that died between claiming a file and storing it would otherwise leave
    it where nothing reads it again. A file half written when its writer was killed is
    set aside: what it holds may be cut short, so a person looks at it.
    """
    recovered = 0
    for folder in (directory, directory / REFERRALS):
        if not folder.is_dir():
            continue
        for claimed in folder.glob(f".*{CLAIMED_SUFFIX}"):
            if not _abandoned(claimed):
                continue
            try:
                unclaim(claimed)
            except FileNotFoundError:
                continue
            recovered += 1
        for partial in folder.glob(".*.tmp"):
            if _age_seconds(partial) > STALE_SECONDS:
                _move_aside(partial, directory, partial.name.lstrip("."))
    if recovered:
        log.warning("gave back %d spooled file(s) left claimed by a stopped process", recovered)
    return recovered


def set_aside(claimed: Path, directory: Path) -> Path:
    """Move a claimed file that cannot be stored as it is out of the way, never deleting it."""
    target = _move_aside(claimed, directory, _original_name(claimed.name))
    log.error("a spooled file was set aside in %s for a person to look at", target.parent)
    return target


def read_message(path: Path) -> SpooledMessage:
    """A spooled message (files written before risk travelled with them read too)."""
    return SpooledMessage(**_content(path))


def read_referral(path: Path) -> SpooledReferral:
    """A spooled referral."""
    return SpooledReferral(**_content(path))


def file_id(path: Path) -> str:
    """The random part of a spooled file's name: unique to what it holds."""
    return path.stem.rsplit("-", 1)[-1]


def is_referral(path: Path, directory: Path) -> bool:
    """Whether a spooled file holds a referral rather than a message."""
    return path.parent == directory / REFERRALS


def _write(directory: Path, content: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
    temporary = directory / f".{name}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(crypto.encrypt(json.dumps(content)))
        handle.flush()
        os.fsync(handle.fileno())
    final = directory / name
    temporary.rename(final)
    return final


def _content(path: Path) -> dict[str, Any]:
    stored = path.read_text(encoding="utf-8")
    # Files kept by earlier versions are plain JSON.
    found: dict[str, Any] = json.loads(
        stored if stored.lstrip().startswith("{") else crypto.decrypt(stored.strip())
    )
    return found


def rotate_file(path: Path) -> bool:
    """Rewrite one waiting file under the newest data key (atomically); False if it was
    already under it."""
    stored = path.read_text(encoding="utf-8").strip()
    if not stored.startswith("{") and crypto.is_current(stored):
        return False
    rewritten = crypto.encrypt(json.dumps(_content(path)))
    temporary = path.with_name(f".{path.name}.rotating.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(rewritten)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return True


def _move_aside(path: Path, directory: Path, name: str) -> Path:
    aside = directory / SET_ASIDE
    aside.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Kept apart from messages: a referral set aside is named so.
    prefix = f"{REFERRALS}-" if path.parent.name == REFERRALS else ""
    target = aside / f"{prefix}{name}"
    path.rename(target)
    return target


def _abandoned(claimed: Path) -> bool:
    owner = _owner_pid(claimed.name)
    if owner is None or owner == os.getpid() or not _running(owner):
        return True
    return _age_seconds(claimed) > STALE_SECONDS


def _age_seconds(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _unclaimed(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [path for path in folder.glob("*.json") if not path.name.startswith(".")]


def _original_name(claimed_name: str) -> str:
    # ".<name>.<pid>.claimed" -> "<name>"
    return claimed_name[1:].removesuffix(CLAIMED_SUFFIX).rsplit(".", 1)[0]


def _owner_pid(claimed_name: str) -> int | None:
    digits = claimed_name.removesuffix(CLAIMED_SUFFIX).rsplit(".", 1)[-1]
    return int(digits) if digits.isdecimal() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

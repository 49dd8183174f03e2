"""What a soak checks beside latency: nothing lost, and Rasa killed once on the way.

After a run, the database must hold every message the bench sent (by Twilio's
MessageSid) and a referral for every reference a person was told; anything missing is
lost. During a run, the Rasa server may be killed once, as a crash would, to soak
through its restart by the supervisor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.engine import make_engine
from webhooks.db.models import Message, Referral
from webhooks.dev import procs
from webhooks.dev.texting import Walk

_CHUNK = 500


@dataclass(frozen=True)
class Ledger:
    """What was sent and told, beside what the database holds."""

    messages_in: int
    messages_stored: int
    referrals_expected: int
    referrals_committed: int

    @property
    def lost(self) -> int:
        """Messages sent but not stored, and referrals told "sent" but absent."""
        return (self.messages_in - self.messages_stored) + (
            self.referrals_expected - self.referrals_committed
        )

    def figures(self) -> dict[str, int]:
        """The ledger as report keys."""
        return {
            "messages_in": self.messages_in,
            "messages_stored": self.messages_stored,
            "referrals_expected": self.referrals_expected,
            "referrals_committed": self.referrals_committed,
            "lost": self.lost,
        }


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def check_ledger(database_url: str, walks: Iterable[Walk]) -> Ledger:
    """Count, in the database, the messages sent and the referrals told "sent"."""
    walks = list(walks)
    # Every message posted counts, whatever the HTTP answer: the gateway keeps a message
    # before anything else happens to it. A call's turns have no message id; a call's
    # referral is counted like any other.
    sids = [turn.message_sid for walk in walks for turn in walk.turns if turn.message_sid]
    references = [walk.reference for walk in walks if walk.reference is not None]
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            stored = sum(
                len(
                    session.scalars(
                        select(Message.external_id).where(
                            Message.direction == "in", Message.external_id.in_(chunk)
                        )
                    ).all()
                )
                for chunk in _chunks(sids)
            )
            committed = sum(
                len(session.scalars(select(Referral.id).where(Referral.reference.in_(chunk))).all())
                for chunk in _chunks(references)
            )
    finally:
        engine.dispose()
    return Ledger(len(sids), stored, len(references), committed)


class RasaKiller:
    """Kills the Rasa server on a port once, after a delay, and times its return."""

    def __init__(self, rasa_url: str, port: int, after_seconds: float) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.port = port
        self.after_seconds = after_seconds
        self.killed_pid: int | None = None
        self.killed_at: float | None = None
        self.back_after_seconds: float | None = None
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rasa-killer", daemon=True)

    def start(self) -> None:
        """Start counting down."""
        self._thread.start()

    def stop(self) -> None:
        """Stop waiting (for the kill or for Rasa's return)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        if self._stop.wait(self.after_seconds):
            return
        pid = procs.rasa_server_pid(self.port)
        if pid is None:
            self.problem = f"no Rasa server found listening on port {self.port}"
            return
        if not procs.kill(pid):
            self.problem = f"Rasa (pid {pid}) had already gone"
            return
        self.killed_pid, self.killed_at = pid, time.monotonic()
        while not self._stop.wait(1):
            if _answers(f"{self.rasa_url}/webhooks/rest/"):
                self.back_after_seconds = time.monotonic() - self.killed_at
                return

    def figures(self) -> dict[str, float | int | None]:
        """When it was killed and how long until Rasa answered again (None: not back)."""
        return {
            "rasa_killed_pid": self.killed_pid,
            "rasa_back_after_s": (
                round(self.back_after_seconds, 1) if self.back_after_seconds is not None else None
            ),
        }


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False

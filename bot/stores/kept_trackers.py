"""Conversations as this Rasa process last saved them, so the next turn of each need not
read and replay every event again.

Rasa reads a conversation's events from the store at each message and replays them into
a tracker; a referral is one long conversation of some 600 events, and reading and
replaying them was a fifth of a late turn (py-spy). The tracker Rasa saved at the end of
a turn is what that reading would give back, as long as nothing else has written to the
conversation since: the store checks the newest stored event's id before lending it
(another Rasa instance may have answered, or the conversation been purged).

A kept tracker is lent out whole and taken out of here while it is lent, so no two turns
share one; it comes back when Rasa saves it. Kept in this process's memory only: at most
`limit` conversations, and, swept every minute, none longer than `keep_seconds` after it
was last saved. A hand-over's record is taken out of a kept tracker as it is from the
stored copy (flows/kept_by_rasa.py), so memory holds no more than the store does.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from rasa.shared.core.trackers import DialogueStateTracker

from stores.sweeping import sweep_every

LIMIT_CONVERSATIONS = 32
KEEP_SECONDS = 30 * 60
SWEEP_SECONDS = 60.0


@dataclass(frozen=True)
class Kept:
    """A tracker as saved: its events were all stored, the newest with this id."""

    tracker: DialogueStateTracker
    stored: int
    newest_id: int
    saved_at: float

    def is_current(self, newest_id: int | None) -> bool:
        """Whether it is still what the store holds: nobody has written since, and it has
        not been changed since it was saved (a turn that failed part way)."""
        return newest_id == self.newest_id and len(self.tracker.events) == self.stored


class KeptTrackers:
    def __init__(
        self,
        limit: int = LIMIT_CONVERSATIONS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        self.limit = limit
        self.keep_seconds = keep_seconds
        self.clock = clock
        # sender id -> kept; the least lately saved first.
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._sweep_seconds = sweep_seconds
        self._sweeping: threading.Thread | None = None

    def take(self, sender_id: str) -> Kept | None:
        """The conversation's kept tracker, taken out (it comes back when saved)."""
        with self._lock:
            self._forget_old()
            return self._kept.pop(sender_id, None)

    def keep(self, sender_id: str, tracker: DialogueStateTracker, newest_id: int) -> None:
        """Keep a tracker whose events are all stored, the newest with this id."""
        with self._lock:
            self._kept.pop(sender_id, None)
            self._kept[sender_id] = Kept(tracker, len(tracker.events), newest_id, self.clock())
            self._forget_old()
            self._sweep_in_the_background()

    def forget(self, sender_id: str) -> None:
        with self._lock:
            self._kept.pop(sender_id, None)

    def sweep(self) -> None:
        """Forget what is too old now, as the background sweep does every minute."""
        with self._lock:
            self._forget_old()

    def __len__(self) -> int:
        return len(self._kept)

    def _forget_old(self) -> None:
        too_old = self.clock() - self.keep_seconds
        while self._kept:
            sender_id, kept = next(iter(self._kept.items()))
            if len(self._kept) <= self.limit and kept.saved_at >= too_old:
                return
            del self._kept[sender_id]

    def _sweep_in_the_background(self) -> None:
        # Started with the first tracker kept (called holding the lock), not on import.
        if self._sweep_seconds is None or self._sweeping is not None:
            return
        self._sweeping = sweep_every(self._sweep_seconds, self.sweep, "kept-trackers")

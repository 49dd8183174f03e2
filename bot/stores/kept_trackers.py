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

import time
from collections.abc import Callable
from dataclasses import dataclass

from rasa.shared.core.trackers import DialogueStateTracker

from stores.kept_for_a_while import SWEEP_SECONDS, KeptForAWhile

LIMIT_CONVERSATIONS = 32
KEEP_SECONDS = 30 * 60


@dataclass(frozen=True)
class Kept:
    """A tracker as saved: its events were all stored, the newest with this id."""

    tracker: DialogueStateTracker
    stored: int
    newest_id: int

    def is_current(self, newest_id: int | None) -> bool:
        """Whether it is still what the store holds: nobody has written since, and it has
        not been changed since it was saved (Rasa carrying on with it)."""
        return newest_id == self.newest_id and len(self.tracker.events) == self.stored


class KeptTrackers(KeptForAWhile[Kept]):
    def __init__(
        self,
        limit: int = LIMIT_CONVERSATIONS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        super().__init__(limit, keep_seconds, _one, "kept-trackers", clock, sweep_seconds)

    def take(self, sender_id: str) -> Kept | None:
        """The conversation's kept tracker, taken out (it comes back when saved)."""
        return self.pop(sender_id)

    def keep(self, sender_id: str, tracker: DialogueStateTracker, newest_id: int) -> None:
        """Keep a tracker whose events are all stored, the newest with this id."""
        self.put(sender_id, Kept(tracker, len(tracker.events), newest_id))

    def forget(self, sender_id: str) -> None:
        self.pop(sender_id)


def _one(sender_id: str, kept: Kept) -> int:
    """Each conversation counts one against the limit."""
    return 1

"""Events opened lately, by their stored token, so a conversation's events are decrypted
once rather than at every turn.

Rasa reads a conversation's events from the store when it has no tracker of it kept
(bot/stores/kept_trackers.py: the first turn after a start, or after another instance
answered); decrypting them was a fifth of a late turn's time in a long referral (py-spy).
A token always opens to the same text, so what it opened to can be kept. Kept in this
process's memory only, as the conversations it is answering are: at most `limit`
characters in all (tokens and text, and a few hundred for each entry's own keeping), and,
swept every minute, nothing longer than `keep_seconds` after it was last read.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from stores.kept_for_a_while import SWEEP_SECONDS, KeptForAWhile

LIMIT_CHARACTERS = 8_000_000
KEEP_SECONDS = 30 * 60
# What an entry costs beyond its two strings (the tuple, the time, the dictionary's slot).
ENTRY_OVERHEAD = 300


class OpenedEvents(KeptForAWhile[str]):
    def __init__(
        self,
        limit: int = LIMIT_CHARACTERS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        super().__init__(limit, keep_seconds, _cost, "opened-events", clock, sweep_seconds)

    def put(self, token: str, opened: str) -> None:
        """Keep what a token opened to (once: a token always opens to the same text)."""
        if token not in self:
            super().put(token, opened)


def _cost(token: str, opened: str) -> int:
    return len(token) + len(opened) + ENTRY_OVERHEAD

"""Events opened lately, by their stored token, so a conversation's events are decrypted
once rather than at every turn.

Rasa reads every event of a conversation again at each turn; decrypting them was a fifth
of a late turn's time in a long referral (py-spy). A token always opens to the same text,
so what it opened to can be kept. Kept in this process's memory only, as the
conversations it is answering are: at most `limit` characters in all (tokens and text,
and a few hundred for each entry's own keeping), and, swept every minute, nothing longer
than `keep_seconds` after it was last read, so a conversation purged from the database is
soon gone from here too, whether or not anyone is talking to the bot.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from stores.sweeping import sweep_every

LIMIT_CHARACTERS = 8_000_000
KEEP_SECONDS = 30 * 60
SWEEP_SECONDS = 60.0
# What an entry costs beyond its two strings (the tuple, the time, the dictionary's slot).
ENTRY_OVERHEAD = 300


class OpenedEvents:
    def __init__(
        self,
        limit: int = LIMIT_CHARACTERS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        self.limit = limit
        self.keep_seconds = keep_seconds
        self.clock = clock
        self.size = 0
        # token -> (opened text, when last read); the least lately read first.
        self._opened: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._sweep_seconds = sweep_seconds
        self._sweeping: threading.Thread | None = None

    def get(self, token: str) -> str | None:
        with self._lock:
            self._forget_old()
            found = self._opened.get(token)
            if found is None:
                return None
            self._opened[token] = (found[0], self.clock())
            self._opened.move_to_end(token)
            return found[0]

    def put(self, token: str, opened: str) -> None:
        with self._lock:
            if token in self._opened:
                return
            self._opened[token] = (opened, self.clock())
            self.size += _cost(token, opened)
            self._forget_old()
            self._sweep_in_the_background()

    def sweep(self) -> None:
        """Forget what is too old now, as the background sweep does every minute."""
        with self._lock:
            self._forget_old()

    def __len__(self) -> int:
        return len(self._opened)

    def _forget_old(self) -> None:
        too_old = self.clock() - self.keep_seconds
        while self._opened:
            token, (opened, read_at) = next(iter(self._opened.items()))
            if self.size <= self.limit and read_at >= too_old:
                return
            del self._opened[token]
            self.size -= _cost(token, opened)

    def _sweep_in_the_background(self) -> None:
        # Started with the first event kept (called holding the lock), not on import.
        if self._sweep_seconds is None or self._sweeping is not None:
            return
        self._sweeping = sweep_every(self._sweep_seconds, self.sweep, "opened-events")


def _cost(token: str, opened: str) -> int:
    return len(token) + len(opened) + ENTRY_OVERHEAD

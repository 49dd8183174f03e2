"""Events opened lately, by their stored token, so a conversation's events are decrypted
once rather than at every turn.

Rasa reads every event of a conversation again at each turn; decrypting them was a fifth
of a late turn's time in a long referral (py-spy). A token always opens to the same text,
so what it opened to can be kept. Kept in this process's memory only, as the
conversations it is answering are: at most `limit` characters in all, and nothing longer
than `keep_seconds` after it was last read, so a conversation purged from the database is
soon gone from here too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

LIMIT_CHARACTERS = 32_000_000
KEEP_SECONDS = 30 * 60


class OpenedEvents:
    def __init__(
        self,
        limit: int = LIMIT_CHARACTERS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.keep_seconds = keep_seconds
        self.clock = clock
        self.size = 0
        # token -> (opened text, when last read); the least lately read first.
        self._opened: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

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
            self.size += len(opened)
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
            self.size -= len(opened)

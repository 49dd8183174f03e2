"""What a Rasa process keeps in memory for a while, to spare work at the next turn: by
key, the least lately used first, within a limit, and forgotten a while after last use.

A sweep in the background forgets what is too old whether or not anyone is talking to
the bot, so a conversation purged from the database is soon gone from memory too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")
SWEEP_SECONDS = 60.0


class KeptForAWhile(Generic[Value]):
    def __init__(
        self,
        limit: int,
        keep_seconds: float,
        cost: Callable[[str, Value], int],
        name: str,
        clock: Callable[[], float] = time.monotonic,
        sweep_seconds: float | None = SWEEP_SECONDS,
    ) -> None:
        self.limit = limit
        self.keep_seconds = keep_seconds
        self.clock = clock
        self.size = 0
        self._cost = cost
        # key -> (value, when last used); the least lately used first.
        self._kept: OrderedDict[str, tuple[Value, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._name = name
        self._sweep_seconds = sweep_seconds
        self._sweeping: threading.Thread | None = None

    def get(self, key: str) -> Value | None:
        """The value kept for this key, if any, used now."""
        with self._lock:
            self._forget_old()
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept[key] = (found[0], self.clock())
            self._kept.move_to_end(key)
            return found[0]

    def pop(self, key: str) -> Value | None:
        """The value kept for this key, if any, no longer kept."""
        with self._lock:
            self._forget_old()
            found = self._kept.pop(key, None)
            if found is None:
                return None
            self.size -= self._cost(key, found[0])
            return found[0]

    def put(self, key: str, value: Value) -> None:
        """Keep a value for this key (in place of any kept for it), used now."""
        with self._lock:
            replaced = self._kept.pop(key, None)
            if replaced is not None:
                self.size -= self._cost(key, replaced[0])
            self._kept[key] = (value, self.clock())
            self.size += self._cost(key, value)
            self._forget_old()
            self._sweep_in_the_background()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._kept

    def sweep(self) -> None:
        """Forget what is too old now, as the background sweep does every minute."""
        with self._lock:
            self._forget_old()

    def __len__(self) -> int:
        return len(self._kept)

    def _forget_old(self) -> None:
        too_old = self.clock() - self.keep_seconds
        while self._kept:
            key, (value, used_at) = next(iter(self._kept.items()))
            if self.size <= self.limit and used_at >= too_old:
                return
            del self._kept[key]
            self.size -= self._cost(key, value)

    def _sweep_in_the_background(self) -> None:
        # Started with the first value kept (called holding the lock), not on import.
        if self._sweep_seconds is None or self._sweeping is not None:
            return
        every = self._sweep_seconds

        def sweep_forever() -> None:
            while True:
                time.sleep(every)
                self.sweep()

        self._sweeping = threading.Thread(target=sweep_forever, name=self._name, daemon=True)
        self._sweeping.start()

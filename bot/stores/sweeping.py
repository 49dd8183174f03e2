"""A sweep in the background: what a process keeps in memory for a while is forgotten on
time whether or not anyone is talking to the bot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def sweep_every(seconds: float, sweep: Callable[[], None], name: str) -> threading.Thread:
    """A daemon thread that calls `sweep` every `seconds` for as long as the process runs."""

    def sweep_forever() -> None:
        while True:
            time.sleep(seconds)
            sweep()

    thread = threading.Thread(target=sweep_forever, name=name, daemon=True)
    thread.start()
    return thread

"""Keep a started stack serving: restart a process that stops, with backoff, and say so.

One process stopping stops nothing else. SIGINT and SIGTERM (and SIGHUP, unless it was
ignored, as `nohup` does) stop every process: the way a person at a terminal, systemd,
Docker or a CI runner stops `triage up`.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from types import FrameType

from webhooks.dev.stack import Child, Stack, StackError, answers, how_it_ended, pause

Say = Callable[[str], None]


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting a stopped process again."""

    first_seconds: float = 1.0
    longest_seconds: float = 30.0
    # Ready this long, a process counts as well again: its next stop waits first_seconds.
    healthy_after_seconds: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait after this many stops in a row: 1 s, 2 s, 4 s ... up to the longest."""
        return float(min(self.longest_seconds, self.first_seconds * 2 ** max(0, failures - 1)))


class _Phase(Enum):
    SERVING = "serving"
    WAITING = "waiting"  # stopped; starts again at `due`
    STARTING = "starting"  # started again, not yet ready


@dataclass
class _Watched:
    child: Child
    phase: _Phase
    # SERVING: when it became ready; WAITING: when it starts again; STARTING: when started.
    since: float
    failures: int = 0


class Supervisor:
    """Watches every child of a ready stack, one check at a time."""

    def __init__(
        self,
        stack: Stack,
        say: Say,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stack = stack
        self.say = say
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.watched = [_Watched(child, _Phase.SERVING, clock()) for child in stack.children]

    def run(self, stopping: Callable[[], bool], interval_seconds: float = 1.0) -> None:
        """Check every second until a stop is asked for."""
        while not stopping():
            self.check()
            pause(interval_seconds, stopping)

    def check(self) -> None:
        """Notice stopped and ready processes; start again those whose wait is over."""
        for watched in self.watched:
            self._check(watched, self.clock())

    def _check(self, watched: _Watched, now: float) -> None:
        child = watched.child
        if watched.phase is _Phase.WAITING:
            if now >= watched.since:
                self._start_again(watched, now)
            return
        if child.process.poll() is not None:
            self._wait_to_start(
                watched, now, f"{child.name} stopped ({how_it_ended(child.process.returncode)})"
            )
        elif watched.phase is _Phase.STARTING:
            if child.ready_url is None or answers(child.ready_url):
                self.say(f"{child.name} is ready again (after {now - watched.since:.0f} s)")
                watched.phase, watched.since = _Phase.SERVING, now
        elif watched.failures and now - watched.since >= self.backoff.healthy_after_seconds:
            watched.failures = 0

    def _wait_to_start(self, watched: _Watched, now: float, what_happened: str) -> None:
        watched.failures += 1
        delay = self.backoff.delay(watched.failures)
        self.say(
            f"{what_happened}; restarting it in {delay:g} s (its log: {watched.child.log_path})"
        )
        watched.phase, watched.since = _Phase.WAITING, now + delay

    def _start_again(self, watched: _Watched, now: float) -> None:
        child = watched.child
        try:
            self.stack.restart(child)
        except (StackError, OSError) as error:
            self._wait_to_start(watched, now, f"{child.name} could not be started: {error}")
            return
        self.say(f"{child.name} started again (pid {child.process.pid}); waiting until it is ready")
        watched.phase, watched.since = _Phase.STARTING, now


class StopSignals:
    """Turns SIGINT, SIGTERM and SIGHUP into a flag the loops look at.

    The handlers only note the signal: raising from one could land between starting a
    process and keeping its pid, and leave it running after the stop.
    """

    def __init__(self) -> None:
        self.received: signal.Signals | None = None
        self._previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int] = {}

    def requested(self) -> bool:
        """Whether a stop has been asked for."""
        return self.received is not None

    def install(self) -> None:
        """Handle the signals; SIGINT too, even when inherited as ignored (`cmd &` in a
        script starts it so)."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous = signal.getsignal(sig)
            if sig is signal.SIGHUP and previous is signal.SIG_IGN:
                continue  # started under nohup: closing the terminal must not stop it
            # None: a handler set outside Python; the default is the nearest we can restore.
            self._previous[sig] = signal.SIG_DFL if previous is None else previous
            signal.signal(sig, self._note)

    def uninstall(self) -> None:
        """Put back the handlers there were before."""
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signal.Signals(signum)


def run_stack(
    stack: Stack,
    timeout_seconds: float,
    on_ready: Callable[[], None],
    say: Say,
    progress: Say | None = None,
    backoff: Backoff | None = None,
) -> None:
    """Start the stack, keep it serving until a stop signal, then stop every process.

    A process that stops before the stack is first ready ends the run (StackError): that
    is a fault to fix, not to retry.
    """
    signals = StopSignals()
    signals.install()
    try:
        stack.start()
        stack.wait_ready(timeout_seconds, progress, stopping=signals.requested)
        if not signals.requested():
            on_ready()
            Supervisor(stack, say, backoff).run(signals.requested)
        name = signals.received.name if signals.received else "a signal"
        say(f"Stopping ({name})...")
    finally:
        stack.stop()
        signals.uninstall()

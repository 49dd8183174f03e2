"""Start, restart and stop a set of processes, each in its own process group.

Used by `triage up` (behind `make run`, see processes.py for what it starts) and by the
integration tests, so the tests run exactly what a newcomer runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from webhooks.config import PROJECT_ROOT

BOT_DIR = PROJECT_ROOT / "bot"


class StackError(RuntimeError):
    """A process could not start, died, or never became ready."""


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one process and how to tell it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    # None: ready as soon as it is running (a worker with nothing to ask).
    ready_url: str | None
    cwd: Path = BOT_DIR
    # Run before each start (and restart): make what the process reads at start.
    prepare: Callable[[], None] | None = None


@dataclass
class Child:
    """One started process (the latest, after a restart) and the file its output goes to."""

    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def name(self) -> str:
        """The process's name, as `triage up` reports it."""
        return self.spec.name

    @property
    def ready_url(self) -> str | None:
        """What answers once it is ready (None: ready as soon as it runs)."""
        return self.spec.ready_url

    def log_tail(self, lines: int = 20) -> str:
        """The last lines it printed, for a report when it dies."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Stack:
    """Starts processes, waits until each is ready, restarts one, and stops them all."""

    def __init__(self, specs: list[ProcessSpec], log_dir: Path) -> None:
        self.specs = specs
        self.log_dir = log_dir
        self.children: list[Child] = []

    def start(self) -> None:
        """Start every process; none is ready yet."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.specs:
            log_path = self.log_dir / f"{spec.name.replace(' ', '-')}.log"
            self.children.append(Child(spec, _launch(spec, log_path, "wb"), log_path))

    def restart(self, child: Child) -> None:
        """Start a child that has stopped again, after ending whatever it left running."""
        # A process killed outright leaves its own children (gunicorn's workers) behind,
        # still holding its port; they go first.
        _signal_group(child.process, signal.SIGKILL)
        child.process.wait()
        with child.log_path.open("ab") as log_file:
            log_file.write(f"\n--- {child.name} restarted by triage up ---\n".encode())
        child.process = _launch(child.spec, child.log_path, "ab")

    def dead_children(self) -> list[Child]:
        """Children that have exited."""
        return [child for child in self.children if child.process.poll() is not None]

    def wait_ready(
        self,
        timeout_seconds: float = 300,
        progress: Callable[[str], None] | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        """Poll every child's readiness URL; raise StackError if one dies or time runs out.

        Returns early, not ready, once `stopping()` says a stop was asked for.
        """
        started = time.monotonic()
        waiting = {child.name: child for child in self.children}
        while waiting and not stopping():
            for child in self.dead_children():
                raise StackError(
                    f"{child.name} stopped ({how_it_ended(child.process.returncode)}). "
                    f"Last lines of {child.log_path}:\n{child.log_tail()}"
                )
            for name, child in list(waiting.items()):
                if child.ready_url is None or answers(child.ready_url):
                    del waiting[name]
            elapsed = time.monotonic() - started
            if progress is not None:
                progress(_progress_line(self.children, waiting, elapsed))
            if not waiting:
                return
            if elapsed > timeout_seconds:
                raise StackError(f"not ready after {timeout_seconds:.0f} s: {', '.join(waiting)}")
            pause(1, stopping)

    def stop(self) -> None:
        """Stop the gateway first (no new turns), then Rasa, then the action server; then
        anything one of them started and left behind."""
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()
        for child in reversed(self.children):
            if not _group_ends(child.process.pid, max(0.1, deadline - time.monotonic())):
                _signal_group(child.process, signal.SIGKILL)


def how_it_ended(returncode: int | None) -> str:
    """ "exit code 3", or "killed by SIGKILL" for a process ended by a signal."""
    if returncode is not None and returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


def pause(seconds: float, stopping: Callable[[], bool]) -> None:
    """Sleep, waking early once a stop is asked for (a signal handler only sets a flag)."""
    deadline = time.monotonic() + seconds
    while not stopping() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(0.1, left))


def answers(url: str) -> bool:
    """Whether the URL answers with a success status within 2 s."""
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def _launch(spec: ProcessSpec, log_path: Path, mode: str) -> subprocess.Popen[bytes]:
    if spec.prepare is not None:
        spec.prepare()
    with log_path.open(mode) as log_file:
        # Own process group: we stop each child and everything it started, in order.
        return subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env=spec.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _group_ends(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _progress_line(children: list[Child], waiting: dict[str, Child], elapsed: float) -> str:
    states = ", ".join(
        f"{child.name} {'starting' if child.name in waiting else 'ready'}" for child in children
    )
    note = " (Rasa takes about 20 s to load its model)" if "rasa" in waiting else ""
    return f"[{elapsed:5.0f} s] {states}{note}"

"""Start, watch and stop the three processes: action server, Rasa server and gateway.

Used by `triage up` (behind `make run`) and by the integration tests, so the tests run
exactly what a newcomer runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from webhooks.config import PROJECT_ROOT

RASA_VENV = PROJECT_ROOT / ".venv-rasa"
MODEL_PATH = PROJECT_ROOT / "var" / "models" / "triage.tar.gz"
BOT_DIR = PROJECT_ROOT / "bot"


class StackError(RuntimeError):
    """A process could not start, died, or never became ready."""


@dataclass(frozen=True)
class StackConfig:
    """Ports, database and secrets for one running stack."""

    gateway_port: int
    rasa_port: int
    actions_port: int
    database_url: str
    log_dir: Path
    gateway_env: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    gateway_workers: int = 2

    @property
    def gateway_url(self) -> str:
        """Where the gateway answers locally."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def rasa_url(self) -> str:
        """Where Rasa answers (loopback only)."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Where the action server answers (loopback only)."""
        return f"http://127.0.0.1:{self.actions_port}"


@dataclass
class Child:
    """One started process and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    ready_url: str | None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines it printed, for a report when it dies."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def rasa_environment() -> dict[str, str]:
    """Environment for the Rasa processes: no telemetry, quiet TensorFlow, loopback only."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
        SANIC_HOST="127.0.0.1",
        PYTHONPATH=os.pathsep.join([str(BOT_DIR), str(PROJECT_ROOT)]),
    )
    return env


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one process and how to tell it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    # None: ready as soon as it is running (a worker with nothing to ask).
    ready_url: str | None
    cwd: Path = BOT_DIR


def triage_processes(config: StackConfig) -> list[ProcessSpec]:
    """The action server, Rasa, the gateway and the alert sender, in the order they start."""
    if not (RASA_VENV / "bin" / "rasa").exists():
        raise StackError(f"{RASA_VENV} is missing: run `make setup` first")
    if not MODEL_PATH.exists():
        raise StackError(f"no trained model at {MODEL_PATH}: run `make setup` first")
    rasa = str(RASA_VENV / "bin" / "rasa")
    actions_env = rasa_environment()
    rasa_env = dict(actions_env, ACTION_SERVER_URL=f"{config.actions_url}/webhook")
    gateway_env = dict(os.environ)
    gateway_env.update(config.gateway_env)
    gateway_env.update(
        DATABASE_URL=config.database_url,
        RASA_URL=config.rasa_url,
        ACTION_SERVER_URL=config.actions_url,
        PORT=str(config.gateway_port),
    )
    return [
        ProcessSpec(
            "action server",
            [rasa, "run", "actions", "--actions", "actions", "-p", str(config.actions_port)],
            actions_env,
            f"{config.actions_url}/health",
        ),
        ProcessSpec(
            "rasa",
            [
                rasa,
                "run",
                "-m",
                str(MODEL_PATH),
                "-i",
                "127.0.0.1",
                "-p",
                str(config.rasa_port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
            ],
            rasa_env,
            f"{config.rasa_url}/webhooks/rest/",
        ),
        ProcessSpec(
            "gateway",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"{config.host}:{config.gateway_port}",
                "--workers",
                str(config.gateway_workers),
                "--timeout",
                "30",
                "webhooks:create_app()",
            ],
            gateway_env,
            f"{config.gateway_url}/healthz",
        ),
        ProcessSpec(
            "alerts",
            [str(Path(sys.executable).parent / "triage"), "alerts"],
            gateway_env,
            None,
        ),
    ]


class Stack:
    """Starts processes, waits until each is ready, watches them, and stops them all."""

    def __init__(self, specs: list[ProcessSpec], log_dir: Path) -> None:
        self.specs = specs
        self.log_dir = log_dir
        self.children: list[Child] = []

    def start(self) -> None:
        """Start every process; none is ready yet."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.specs:
            log_path = self.log_dir / f"{spec.name.replace(' ', '-')}.log"
            with log_path.open("wb") as log_file:
                # Own process group: we stop each child and everything it started, in order.
                process = subprocess.Popen(
                    spec.command,
                    cwd=spec.cwd,
                    env=spec.env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            self.children.append(Child(spec.name, process, log_path, spec.ready_url))

    def dead_children(self) -> list[Child]:
        """Children that have exited."""
        return [child for child in self.children if child.process.poll() is not None]

    def wait_ready(
        self, timeout_seconds: float = 300, progress: Callable[[str], None] | None = None
    ) -> None:
        """Poll every child's readiness URL; raise StackError if one dies or time runs out."""
        started = time.monotonic()
        waiting = {child.name: child for child in self.children}
        while waiting:
            for child in self.dead_children():
                raise StackError(
                    f"{child.name} stopped (exit code {child.process.returncode}). "
                    f"Last lines of {child.log_path}:\n{child.log_tail()}"
                )
            for name, child in list(waiting.items()):
                if child.ready_url is None or _answers(child.ready_url):
                    del waiting[name]
            elapsed = time.monotonic() - started
            if progress is not None:
                progress(_progress_line(self.children, waiting, elapsed))
            if not waiting:
                return
            if elapsed > timeout_seconds:
                raise StackError(f"not ready after {timeout_seconds:.0f} s: {', '.join(waiting)}")
            time.sleep(1)

    def stop(self) -> None:
        """Stop the gateway first (no new turns), then Rasa, then the action server."""
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def _progress_line(children: list[Child], waiting: dict[str, Child], elapsed: float) -> str:
    states = ", ".join(
        f"{child.name} {'starting' if child.name in waiting else 'ready'}" for child in children
    )
    note = " (Rasa takes about 70 s to load its model)" if "rasa" in waiting else ""
    return f"[{elapsed:5.0f} s] {states}{note}"

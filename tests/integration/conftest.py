"""The real stack, started once per test session exactly as `make run` starts it.

`triage up` runs as a subprocess on free ports with its own SQLite file; the tests talk
to it over HTTP as Twilio, a browser or an API client would. Rasa takes a while to load.
At the end it is stopped as systemd or Docker stop it (SIGTERM), and must leave no
process running and no port bound. Every test here is marked `integration`: `pytest -m
"not integration"` (`make test-fast`) leaves them out.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS, POSTGRES_URL, TWILIO_AUTH_TOKEN, free_port
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from webhooks.config import PROJECT_ROOT
from webhooks.db import accounts
from webhooks.db.engine import make_engine
from webhooks.dev.processes import MODEL_PATH, RASA_VENV

TRIAGE = str(Path(sys.executable).parent / "triage")
READY_TIMEOUT_SECONDS = 400
HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `integration` (before `-m` selects by marker)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


# What the stack printed is how a failure in CI is understood afterwards (a 500's
# traceback is only in the gateway's log): shown with each failing test.
STACK_LINES_SHOWN = 60


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    running = getattr(item, "funcargs", {}).get("stack")
    if report.when == "call" and report.failed and isinstance(running, RunningStack):
        tail = running.read_output()[-STACK_LINES_SHOWN:]
        report.sections.append(("what the stack printed, last lines", "".join(tail)))


@dataclass
class RunningStack:
    """What the tests need to reach the stack, and everything it printed."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    # Twilio's REST API as the stack sees it: the text messages it sent.
    twilio: FakeTwilio
    output: list[str] = field(default_factory=list)
    # One API token per team, made once (see api_token).
    tokens: dict[str, str] = field(default_factory=dict)
    # Lines printed and not yet in `output` (see read_output).
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    # The thread reading what it prints.
    reader: threading.Thread | None = None

    def read_output(self) -> list[str]:
        """Everything printed so far (the supervisor reports restarts as they happen)."""
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return self.output

    def children(self) -> dict[int, list[str]]:
        """The processes `triage up` started (each leads its own process group), with
        their command lines."""
        return children_of(self.process.pid)

    def rasa_pid(self, port: int | None = None) -> int:
        """A Rasa server of this stack, the first unless another port is given (found by
        its port on its command line)."""
        port = port or int(self.env["RASA_PORT"])
        [pid] = [
            pid
            for pid, argv in self.children().items()
            if "run" in argv and "-m" in argv and f" -p {port} " in " ".join(argv)
        ]
        return pid

    def triage(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run a `triage` command against this stack's database and gateway."""
        return subprocess.run(
            [TRIAGE, *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def api_token(self, team_id: str) -> str:
        """A bearer token for the team's API, made once per team in this process, straight
        into the stack's database (`triage token create` itself is tested in test_stack)."""
        if team_id not in self.tokens:
            engine = make_engine(self.env["DATABASE_URL"])
            try:
                with Session(engine) as session:
                    self.tokens[team_id] = accounts.create_api_token(session, team_id)
                    session.commit()
            finally:
                engine.dispose()
        return self.tokens[team_id]

    def referrals(self, team_id: str) -> list[dict[str, object]]:
        """The team's complete, open referrals from the JSON API (one page holds all a
        test run makes)."""
        response = requests.get(
            f"{self.url}/api/referrals?incomplete=false&per_page=200",
            headers={"Authorization": f"Bearer {self.api_token(team_id)}"},
            timeout=10,
        )
        assert response.status_code == 200
        referrals: list[dict[str, object]] = response.json()["referrals"]
        return referrals


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.put(line)


def children_of(parent: int) -> dict[int, list[str]]:
    """The processes whose parent is `parent`, with their command lines (Linux /proc)."""
    found: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # ended while we looked
            continue
        # "pid (name) state ppid ...": the name may hold spaces and brackets.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = command.decode(errors="replace").split("\0")[:-1]
    return found


def groups_left(groups: list[int], seconds: float = 5) -> list[int]:
    """The process groups with a process still in them, after a moment for signals to land."""
    deadline = time.monotonic() + seconds
    while True:
        left = []
        for group in groups:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                continue
            left.append(group)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database of the module's own, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set (see the warning in the header)")
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"integration_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def twilio_rest() -> Iterator[FakeTwilio]:
    """Twilio's REST API for the whole session (a call carried on by text, alerts)."""
    with fake_twilio() as fake:
        yield fake


def stack_environment(work: Path, twilio_rest: FakeTwilio, **changes: str) -> dict[str, str]:
    """The environment `triage up` runs with in these tests: free ports, its own SQLite
    file (unless changed), the fake Twilio, the pinned clock."""
    env = dict(
        os.environ,
        PORT=str(free_port()),
        RASA_PORT=str(free_port()),
        ACTIONS_PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{work / 'triage.db'}",
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_API_BASE_URL=twilio_rest.url,
        SECRET_KEY="integration-secret-key",
        # One address (127.0.0.1) plays every person of the run.
        TRIAGE_CHAT_RATE_LIMITS=(
            "messages=1000 per minute;new_chats=1000 per hour;uploads=1000 per hour"
        ),
        TRIAGE_NOW=OPEN_HOURS.isoformat(),
        TRIAGE_SPOOL_DIR=str(work / "spool"),
        # The duty alerts the run sends, kept with it (not in the project's var/, where
        # `triage alerts --tail` would show them to a developer as real).
        TRIAGE_DUTY_SINK=str(work / "duty-alerts.jsonl"),
    )
    env.pop("PUBLIC_BASE_URL", None)
    env.update(changes)
    return env


def start_stack(env: dict[str, str], twilio_rest: FakeTwilio, *options: str) -> RunningStack:
    """Start `triage up` with this environment and wait for "Ready."."""
    process = subprocess.Popen(
        [TRIAGE, "up", "--timeout", str(READY_TIMEOUT_SECONDS), *options],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    running = RunningStack(
        url=f"http://127.0.0.1:{env['PORT']}", env=env, process=process, twilio=twilio_rest
    )
    reader = threading.Thread(target=_read_lines, args=(process.stdout, running.lines), daemon=True)
    reader.start()
    running.reader = reader
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS + 30
    while not any(line.startswith("Ready.") for line in running.output):
        try:
            running.output.append(running.lines.get(timeout=1))
        except queue.Empty:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("triage up did not become ready:\n" + "".join(running.output))
    time.sleep(1)
    running.read_output()
    return running


def stop_stack(running: RunningStack, processes: int) -> None:
    """SIGTERM, as systemd, Docker or a CI runner stops a process: every one of the
    stack's `processes` (and whatever each started) must stop, and every port be let go."""
    groups = list(running.children())
    running.process.send_signal(signal.SIGTERM)
    running.process.wait(timeout=60)
    if running.reader is not None:
        running.reader.join(timeout=10)
    if running.process.stdout is not None:
        running.process.stdout.close()
    output = running.read_output()
    assert running.process.returncode == 0, "".join(output[-20:])
    assert output[-1].strip() == "Stopped."
    assert len(groups) == processes, groups
    assert groups_left(groups) == []
    for name in ("PORT", "RASA_PORT", "ACTIONS_PORT"):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{running.env[name]}/", timeout=2)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, twilio_rest: FakeTwilio
) -> Iterator[RunningStack]:
    """Start `triage up`, wait for "Ready.", and stop it with SIGTERM at the end."""
    if not (RASA_VENV / "bin" / "rasa").exists() or not MODEL_PATH.exists():
        pytest.fail("the Rasa environment or model is missing: run `make setup` (make test does)")
    work = tmp_path_factory.mktemp("stack")
    running = start_stack(stack_environment(work, twilio_rest), twilio_rest)
    yield running
    # The action server, Rasa, the gateway and the alert sender.
    stop_stack(running, processes=4)

"""The supervisor behind `triage up`, driven with small real processes: it restarts a
process that stops, with backoff, and SIGINT or SIGTERM stops every process it started.

Also here: Rasa's stores as `triage up` writes them into Rasa's endpoints file (whether
Rasa 3.6 itself reads them back is tested with Rasa, in tests/integration).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port
from webhooks.cli.serve import PROCESSES
from webhooks.config import PROJECT_ROOT
from webhooks.dev.rasa_stores import RasaStores
from webhooks.dev.stack import ProcessSpec, Stack, StackError
from webhooks.dev.supervisor import Backoff, Supervisor

# Rasa's SQL tracker store with each event encrypted (bot/stores/).
ENCRYPTED_STORE = "stores.encrypted_tracker_store.EncryptedSQLTrackerStore"
PYTHON = sys.executable


def web_server(name: str, port: int) -> ProcessSpec:
    return ProcessSpec(
        name,
        [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        f"http://127.0.0.1:{port}/",
        cwd=Path.cwd(),
    )


def lasting(name: str, seconds: float) -> ProcessSpec:
    """A worker with nothing to ask (ready as soon as it runs) that stops after a while."""
    return ProcessSpec(
        name,
        [PYTHON, "-c", f"import time; time.sleep({seconds})"],
        dict(os.environ),
        None,
        cwd=Path.cwd(),
    )


@pytest.fixture
def started() -> Iterator[Callable[[list[ProcessSpec], Path], Stack]]:
    """Starts a stack and waits until it is ready; stops it after the test."""
    stacks: list[Stack] = []

    def start(specs: list[ProcessSpec], log_dir: Path) -> Stack:
        stack = Stack(specs, log_dir)
        stacks.append(stack)
        stack.start()
        stack.wait_ready(timeout_seconds=30)
        return stack

    yield start
    for stack in stacks:
        stack.stop()


def supervise_until(
    supervisor: Supervisor, said: list[str], done: Callable[[], bool], seconds: float = 20
) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting; the supervisor said: {said}"
        supervisor.check()
        time.sleep(0.05)


def waits_said(said: list[str]) -> list[str]:
    """The waits the supervisor announced, in order ("0.1" for "restarting it in 0.1 s")."""
    marker = "restarting it in "
    return [line.split(marker)[1].split(" s")[0] for line in said if marker in line]


def test_it_restarts_a_process_killed_outright_and_leaves_the_others_alone(
    tmp_path: Path, started: Callable[[list[ProcessSpec], Path], Stack]
) -> None:
    stack = started(
        [web_server("one", free_port()), web_server("two", free_port()), lasting("three", 300)],
        tmp_path,
    )
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_seconds=0.5))
    one, two, three = stack.children
    pids = [child.process.pid for child in stack.children]
    killed_at = time.monotonic()
    os.kill(one.process.pid, signal.SIGKILL)

    supervise_until(supervisor, said, lambda: any("one started again" in line for line in said))
    assert time.monotonic() - killed_at >= 0.5
    supervise_until(supervisor, said, lambda: "ready again" in said[-1])
    assert said[0].startswith("one stopped (killed by SIGKILL); restarting it in 0.5 s")
    assert said[-1].startswith("one is ready again")
    assert one.process.pid != pids[0]
    assert one.process.poll() is None
    assert [two.process.pid, three.process.pid] == pids[1:]
    assert stack.dead_children() == []


def test_each_stop_in_a_row_waits_twice_as_long_up_to_the_longest(
    tmp_path: Path, started: Callable[[list[ProcessSpec], Path], Stack]
) -> None:
    stack = started([lasting("fragile", 0.3), lasting("steady", 300)], tmp_path)
    steady = stack.children[1].process.pid
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_seconds=0.1, longest_seconds=0.4))

    supervise_until(supervisor, said, lambda: len(waits_said(said)) == 5)
    assert waits_said(said) == ["0.1", "0.2", "0.4", "0.4", "0.4"]
    assert all(line.startswith("fragile") for line in said)
    assert stack.children[1].process.pid == steady
    assert stack.children[1].process.poll() is None


def test_a_process_ready_long_enough_waits_the_shortest_time_again(
    tmp_path: Path, started: Callable[[list[ProcessSpec], Path], Stack]
) -> None:
    stack = started([lasting("worker", 0.8)], tmp_path)
    said: list[str] = []
    backoff = Backoff(first_seconds=0.1, longest_seconds=5, healthy_after_seconds=0.4)
    supervisor = Supervisor(stack, said.append, backoff)

    supervise_until(supervisor, said, lambda: len(waits_said(said)) == 3)
    assert waits_said(said) == ["0.1", "0.1", "0.1"]


def test_a_process_that_cannot_be_started_again_is_tried_again_later(
    tmp_path: Path, started: Callable[[list[ProcessSpec], Path], Stack]
) -> None:
    broken = tmp_path / "broken"

    def prepare() -> None:
        if broken.exists():
            raise StackError("the database is down")

    port = free_port()
    spec = web_server("server", port)
    spec = ProcessSpec(spec.name, spec.command, spec.env, spec.ready_url, spec.cwd, prepare)
    stack = started([spec], tmp_path)
    said: list[str] = []
    supervisor = Supervisor(stack, said.append, Backoff(first_seconds=0.1))
    broken.touch()
    stack.children[0].process.kill()

    supervise_until(supervisor, said, lambda: len(said) == 2)
    assert said[1].startswith(
        "server could not be started: the database is down; restarting it in 0.2 s"
    )
    broken.unlink()
    supervise_until(supervisor, said, lambda: "ready again" in said[-1])
    assert stack.children[0].process.poll() is None


def test_the_wait_doubles_from_one_second_to_half_a_minute() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


# `triage up` as systemd, Docker, a CI runner or a person at a terminal stops it: a
# supervisor in a process of its own, serving two processes that each start one more.
SUPERVISOR = """
import os, sys
from pathlib import Path
from webhooks.dev.stack import ProcessSpec, Stack
from webhooks.dev.supervisor import run_stack

log_dir, readiness, ports = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
specs = [
    ProcessSpec(
        f"server {port}",
        ["sh", "-c", f"sleep 300 & exec {sys.executable} -m http.server {port} --bind 127.0.0.1"],
        dict(os.environ),
        f"http://127.0.0.1:{port if readiness == 'ready' else 1}/",
        cwd=log_dir,
    )
    for port in ports
]
stack = Stack(specs, log_dir)


def say(line):
    print(line, flush=True)


def groups(line=""):
    say("groups " + " ".join(str(child.process.pid) for child in stack.children))


run_stack(stack, 60, on_ready=groups, say=say, progress=groups)
say("Stopped.")
"""


class Supervised:
    """The supervisor process and what it has printed so far."""

    def __init__(self, tmp_path: Path, readiness: str, ignore_sigint: bool = False) -> None:
        self.ports = [free_port(), free_port()]
        command = [PYTHON, "-c", SUPERVISOR, str(tmp_path), readiness, *map(str, self.ports)]
        if ignore_sigint:
            # As `triage up &` in a script starts it: SIGINT ignored from the start.
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, start: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.output.append(line)
            if line.startswith(start):
                return line
        raise AssertionError(f"never printed {start!r}; printed: {self.output}")

    def groups(self) -> list[int]:
        return [int(pid) for pid in self.wait_for("groups ").split()[1:]]

    def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        returncode = self.process.wait(timeout=30)
        self.wait_for("Stopped.")
        return returncode


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Callable[..., Supervised]]:
    made: list[Supervised] = []

    def make(readiness: str = "ready", ignore_sigint: bool = False) -> Supervised:
        made.append(Supervised(tmp_path, readiness, ignore_sigint))
        return made[-1]

    yield make
    for running in made:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()
        running.reader.join(timeout=5)
        if running.process.stdout is not None:
            running.process.stdout.close()


def group_ends(group: int, seconds: float = 5) -> bool:
    """True once no process is left in the group (a signal takes a moment to land)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# SIGINT as `triage up &` in a script gets it: ignored from the start, and still obeyed.
@pytest.mark.parametrize(
    ("sig", "ignore_sigint"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT inherited as ignored"],
)
def test_a_stop_signal_ends_every_process_it_started_and_everything_they_started(
    supervised: Callable[..., Supervised], sig: signal.Signals, ignore_sigint: bool
) -> None:
    running = supervised(ignore_sigint=ignore_sigint)
    running.wait_for("groups ")
    groups = running.groups()

    assert running.stop(sig) == 0
    assert f"Stopping ({sig.name})..." in running.output
    assert all(group_ends(group) for group in groups), "a process outlived the stop"


def test_sigterm_while_it_is_still_starting_ends_every_process(
    supervised: Callable[..., Supervised],
) -> None:
    running = supervised(readiness="never")
    groups = running.groups()

    assert running.stop(signal.SIGTERM) == 0
    assert all(group_ends(group) for group in groups), "a process outlived the stop"


def test_rasa_keeps_conversations_in_a_sqlite_file_beside_the_gateways(tmp_path: Path) -> None:
    stores = RasaStores.for_urls(f"sqlite:///{tmp_path}/var/triage.db", None)
    endpoints = tmp_path / "run" / "endpoints.yml"
    stores.prepare(endpoints, "http://127.0.0.1:5055/webhook")

    beside = tmp_path.resolve() / "var" / "triage-rasa.db"
    assert yaml.safe_load(endpoints.read_text()) == {
        "action_endpoint": {
            "url": "http://127.0.0.1:5055/webhook",
            "enable_selective_domain": True,
        },
        "tracker_store": {"type": ENCRYPTED_STORE, "dialect": "sqlite", "db": str(beside)},
        "lock_store": {"type": "in_memory"},
    }
    assert stores.environment() == {}


def test_rasa_keeps_conversations_in_its_own_schema_of_the_gateways_postgresql() -> None:
    stores = RasaStores.for_urls(
        "postgresql+psycopg://triage:p%40ss@db.internal:6543/triage?sslmode=require", None
    )

    assert stores.tracker_store == {
        "type": ENCRYPTED_STORE,
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 6543,
        "db": "triage",
        "username": "triage",
        "password": "p@ss",
        "query": {"sslmode": "require"},
    }
    assert stores.environment() == {"POSTGRESQL_SCHEMA": "rasa"}
    assert "p@ss" not in repr(stores)


def test_rasa_takes_its_locks_from_redis_when_redis_url_is_set() -> None:
    stores = RasaStores.for_urls("sqlite:////srv/triage.db", "rediss://:secret@cache:6380/2")

    assert stores.lock_store == {
        "type": "redis",
        "url": "cache",
        "port": 6380,
        "db": 2,
        "password": "secret",
        "use_ssl": True,
        "key_prefix": "triage",
    }


def test_the_endpoints_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    stores = RasaStores.for_urls(f"sqlite:///{tmp_path}/triage.db", "redis://:secret@cache")
    endpoints = tmp_path / "endpoints.yml"
    stores.prepare(endpoints, "http://127.0.0.1:5055/webhook")

    assert endpoints.stat().st_mode & 0o777 == 0o600


def test_the_procfile_runs_each_process_through_triage_serve() -> None:
    procfile = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    commands = [line.split(":", 1)[1].strip() for line in procfile if not line.startswith("#")]
    assert sorted(commands) == sorted(f".venv/bin/triage serve {name}" for name in PROCESSES)


@pytest.mark.parametrize("name", list(PROCESSES))
def test_each_systemd_unit_runs_its_process_through_triage_serve_and_restarts_it(
    name: str,
) -> None:
    units = PROJECT_ROOT / "deploy" / "systemd"
    unit = (units / f"triage-{name}.service").read_text().splitlines()
    assert f"ExecStart=/opt/triage/.venv/bin/triage serve {name}" in unit
    assert "Restart=always" in unit
    assert "PartOf=triage.target" in unit
    assert f"triage-{name}.service" in (units / "triage.target").read_text()

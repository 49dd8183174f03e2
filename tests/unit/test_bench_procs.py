"""The bench finds the stack's processes by their ports, weighs them and kills Rasa."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from webhooks.dev import procs

# A process that listens on the port given as its last argument until it is killed.
LISTEN = textwrap.dedent(
    """
    import socket, sys, time
    server = socket.socket()
    server.bind(("127.0.0.1", int(sys.argv[-1])))
    server.listen()
    print("listening", flush=True)
    time.sleep(120)
    """
)
# A stand-in for `triage up`: starts a listener and a quiet child, then waits.
SUPERVISOR = textwrap.dedent(
    """
    import subprocess, sys, time
    listener = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[-1]],
                                stdout=subprocess.PIPE, text=True)
    quiet = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    print(listener.stdout.readline().strip(), listener.pid, quiet.pid, flush=True)
    time.sleep(120)
    """
)


def start(*arguments: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", *arguments], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def stopped_after() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_it_finds_the_process_listening_on_a_port(port: int) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert procs.listening_pids(port) == {os.getpid()}
    assert procs.listening_pids(port) == set()


def test_it_weighs_a_process_by_its_resident_memory() -> None:
    assert 5 < procs.resident_mb({os.getpid()}) < 20000
    gone = procs.resident_mb({os.getpid(), 2**22 + 1})
    assert gone == pytest.approx(procs.resident_mb({os.getpid()}), abs=1)


def test_forked_processes_weigh_their_shared_pages_once() -> None:
    # A child forked after 100 MB is written shares those pages until either writes:
    # summed RSS counts them twice, summed PSS once.
    ballast = bytearray(100 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    child = os.fork()
    if child == 0:
        time.sleep(30)
        os._exit(0)
    try:
        time.sleep(0.5)
        both = {os.getpid(), child}
        alone = procs.proportional_mb({os.getpid()})
        assert procs.resident_mb(both) - procs.resident_mb({os.getpid()}) > 90
        assert procs.proportional_mb(both) - procs.resident_mb({os.getpid()}) < 20
        assert 50 < alone < procs.resident_mb({os.getpid()})
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
    # A process that has gone is left out. (Within a megabyte: this process's own pages
    # change between two readings, the more so with the child just gone.)
    gone = procs.proportional_mb({os.getpid(), 2**22 + 1})
    assert gone == pytest.approx(procs.proportional_mb({os.getpid()}), abs=1)


def test_it_takes_the_whole_tree_of_triage_up(
    port: int, stopped_after: list[subprocess.Popen[str]]
) -> None:
    supervisor = start(SUPERVISOR, LISTEN, "/somewhere/bin/triage", "up", str(port))
    stopped_after.append(supervisor)
    assert supervisor.stdout is not None
    said, listener, quiet = supervisor.stdout.readline().split()
    assert said == "listening"
    try:
        assert procs.stack_pids([port]) == {supervisor.pid, int(listener), int(quiet)}
    finally:
        for pid in (int(listener), int(quiet)):
            procs.kill(pid)


@pytest.mark.parametrize(
    "server",
    [("/venv/bin/rasa", "run"), ("-m", "rasa_server", "run")],
    ids=["rasa run", "python -m rasa_server run"],
)
def test_it_kills_the_rasa_server_on_its_port_and_nothing_else(
    port: int, stopped_after: list[subprocess.Popen[str]], server: tuple[str, ...]
) -> None:
    actions_port = free_port()
    rasa = start(LISTEN, *server, "-m", "model.tar.gz", "-p", str(port))
    actions = start(LISTEN, "/venv/bin/rasa", "run", "actions", "-p", str(actions_port))
    stopped_after.extend([rasa, actions])
    for process in (rasa, actions):
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "listening"
    assert procs.rasa_server_pid(actions_port) is None
    found = procs.rasa_server_pid(port)
    assert found == rasa.pid
    assert procs.kill(found)
    assert rasa.wait(timeout=10) == -9
    time.sleep(0.1)
    assert actions.poll() is None
    assert procs.kill(found) is False

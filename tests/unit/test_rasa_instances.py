"""Several Rasa instances behind one gateway: each conversation keeps to one of them, the
conversations spread across them, and a message goes to another instance only when it
never reached the first."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows import load_flows
from tests.conftest import OPEN_HOURS, TEST_DATA_KEY, TEST_LOOKUP_KEY, free_port
from tests.unit.test_protocol import METADATA
from webhooks.cli.common import team_directory
from webhooks.config import ConfigError, settings_from_env
from webhooks.core.rasa_client import RasaClient, RasaUnavailable
from webhooks.dev.processes import StackConfig, stack_config_from_env, triage_processes
from webhooks.dev.rasa_direct import Replay, replay_all
from webhooks.dev.stack import StackError
from webhooks.dev.texting import Target
from webhooks.observability import metrics

REPLY = [{"recipient_id": "c", "text": "What is your full name?"}]


@contextmanager
def rasa_instance(behaviour: str = "answer") -> Iterator[tuple[str, list[str]]]:
    """A Rasa REST channel on a port of its own, noting each sender it received.

    behaviour: "answer"; "drop" (read the message, then close without answering, as a
    killed process does mid-turn); "hang" (read it and answer too late)."""
    senders: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            senders.append(body["sender"])
            if behaviour == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour == "hang":
                time.sleep(1.5)
            # After "hang" the gateway has stopped waiting: nobody is left to answer.
            with contextlib.suppress(BrokenPipeError):
                self._answer(json.dumps(REPLY).encode())

        def do_GET(self) -> None:
            # The channel's health (GET /webhooks/rest/), as Rasa answers it.
            self._answer(b'{"status": "ok"}')

        def _answer(self, encoded: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", senders
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def nothing_listening() -> str:
    """The URL of a port nobody listens on: an instance that is down."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def never_connecting() -> Iterator[str]:
    """An instance that never takes a connection (a host gone from the network): its
    queue of connections is full, so a new one waits until it gives up."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        waiting = [socket.socket() for _ in range(3)]
        for client in waiting:
            client.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                client.connect(("127.0.0.1", port))
        time.sleep(0.1)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            for client in waiting:
                client.close()


def answers_counted(instance: int) -> float:
    found = metrics._metrics().rasa_answers.labels(str(instance))._value.get()
    return float(found)


def test_each_conversation_keeps_to_one_instance_and_they_spread_across_them() -> None:
    with rasa_instance() as (first, to_first), rasa_instance() as (second, to_second):
        client = RasaClient(f"{first},{second}", timeout_seconds=5)
        senders = [f"conversation-{n}" for n in range(40)]
        for _turn in range(3):
            for sender in senders:
                assert client.send(sender, "hello", METADATA)[0].text == "What is your full name?"
        client._http.close()
    assert len(to_first) + len(to_second) == 120
    # Rasa's Redis lock holds a conversation to one turn at a time only on one instance.
    assert set(to_first).isdisjoint(to_second)
    assert len(set(to_first)) >= 5 and len(set(to_second)) >= 5


def test_every_gateway_worker_sends_a_conversation_to_the_same_instance() -> None:
    urls = "http://rasa-a:5005,http://rasa-b:5005,http://rasa-c:5005"
    one, other = RasaClient(urls, 5), RasaClient(urls, 5)
    for n in range(50):
        order = one.instances_for(f"conversation-{n}")
        assert order == other.instances_for(f"conversation-{n}")
        assert sorted(order) == [0, 1, 2]


def first_on(client: RasaClient, instance: int) -> str:
    """A conversation whose own instance is this one."""
    return next(
        sender
        for sender in (f"conversation-{n}" for n in range(1000))
        if client.instances_for(sender)[0] == instance
    )


def test_an_instance_that_cannot_be_reached_is_passed_over_for_the_next() -> None:
    with rasa_instance() as (up, received):
        client = RasaClient([nothing_listening(), up], timeout_seconds=5)
        before = answers_counted(2)
        senders = [f"conversation-{n}" for n in range(20)]
        for sender in senders:
            assert client.send(sender, "hello", METADATA)[0].text == "What is your full name?"
        client._http.close()
    # Every message was answered, by the instance that is up, each once.
    assert sorted(received) == sorted(senders)
    assert answers_counted(2) - before == 20


@pytest.mark.parametrize("behaviour", ["drop", "hang"])
def test_a_message_that_may_have_been_handled_is_never_sent_to_another(behaviour: str) -> None:
    # A connection lost mid-answer, or no answer in time: the first may have handled it
    # (and kept the conversation's new state), so the next must not handle it again.
    with rasa_instance(behaviour) as (broken, to_broken), rasa_instance() as (fine, to_fine):
        client = RasaClient([broken, fine], timeout_seconds=0.5)
        sender = first_on(client, 0)
        with pytest.raises(RasaUnavailable):
            client.send(sender, "hello", METADATA)
        client._http.close()
    assert to_broken == [sender]
    assert to_fine == []


def test_an_instance_that_never_connects_is_given_up_on_in_a_second() -> None:
    with never_connecting() as gone, rasa_instance() as (up, received):
        client = RasaClient([gone, up], timeout_seconds=5)
        sender = first_on(client, 0)
        started = time.monotonic()
        assert client.send(sender, "hello", METADATA)[0].text
        took = time.monotonic() - started
        client._http.close()
    assert received == [sender]
    assert 0.9 < took < 2.5


def test_however_many_instances_are_tried_a_turn_keeps_to_its_time_limit() -> None:
    with never_connecting() as first, never_connecting() as second, never_connecting() as third:
        client = RasaClient([first, second, third], timeout_seconds=1.5)
        started = time.monotonic()
        with pytest.raises(RasaUnavailable):
            client.send(first_on(client, 0), "hello", METADATA)
        took = time.monotonic() - started
        client._http.close()
    # A second for the first, the half second left for the second; the third never tried.
    assert took < 2.0


def test_ready_while_any_instance_answers() -> None:
    with rasa_instance() as (up, _received):
        assert RasaClient([nothing_listening(), up], 5).is_ready()
    assert not RasaClient([nothing_listening(), nothing_listening()], 5).is_ready()


def test_rasa_url_may_list_several_instances() -> None:
    environ = {
        "SECRET_KEY": "s" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "TRIAGE_DATA_KEYS": TEST_DATA_KEY,
        "TRIAGE_LOOKUP_KEY": TEST_LOOKUP_KEY,
        "RASA_URL": " http://10.0.0.5:5005/ , http://10.0.0.6:5005",
    }
    assert settings_from_env(environ).rasa_url == "http://10.0.0.5:5005,http://10.0.0.6:5005"
    with pytest.raises(ConfigError, match="RASA_URL must start with http"):
        settings_from_env({**environ, "RASA_URL": "http://10.0.0.5:5005,10.0.0.6:5005"})


def config(tmp_path: Path, **changes: object) -> StackConfig:
    environ = {
        "PORT": "8100",
        "RASA_PORT": "5100",
        "ACTIONS_PORT": "5150",
        "DATABASE_URL": f"sqlite:///{tmp_path}/triage.db",
        **{name: str(value) for name, value in changes.items()},
    }
    found = stack_config_from_env(environ)
    return StackConfig(**{**found.__dict__, "run_dir": tmp_path, "log_dir": tmp_path})


def test_two_rasa_instances_run_on_consecutive_ports_and_the_gateway_lists_both(
    tmp_path: Path,
) -> None:
    scaled = config(tmp_path, RASA_INSTANCES=2, REDIS_URL="redis://127.0.0.1:6379/3")
    specs = {spec.name: spec for spec in triage_processes(scaled)}
    assert [name for name in specs if name.startswith("rasa")] == ["rasa", "rasa 2"]
    for name, port in (("rasa", "5100"), ("rasa 2", "5101")):
        command = specs[name].command
        assert command[command.index("-p") + 1] == port
        assert command[command.index("--endpoints") + 1].endswith(f"rasa-endpoints-{port}.yml")
        assert specs[name].ready_url == f"http://127.0.0.1:{port}/webhooks/rest/"
    assert specs["gateway"].env["RASA_URL"] == "http://127.0.0.1:5100,http://127.0.0.1:5101"
    # A dead instance's lock in Redis lasts the gateway's time limit (8 s) and a margin.
    assert specs["rasa 2"].env["TICKET_LOCK_LIFETIME"] == "13"


def test_one_rasa_instance_is_the_stack_as_before(tmp_path: Path) -> None:
    specs = {spec.name: spec for spec in triage_processes(config(tmp_path))}
    assert [name for name in specs if name.startswith("rasa")] == ["rasa"]
    assert specs["gateway"].env["RASA_URL"] == "http://127.0.0.1:5100"
    # Locks in Rasa's memory go with it: Rasa's own lifetime is left alone.
    assert "TICKET_LOCK_LIFETIME" not in specs["rasa"].env


def test_several_rasa_instances_without_redis_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="2 Rasa instances need REDIS_URL"):
        triage_processes(config(tmp_path, RASA_INSTANCES=2))


def test_the_replay_straight_to_rasa_keeps_the_pace_and_spreads_over_the_instances() -> None:
    team = team_directory().teams["south-essex"]
    conversation = Replay(Target(team, load_flows()[team.flows[0]]), ("hello", "1", "2"))
    with rasa_instance() as (first, to_first), rasa_instance() as (second, to_second):
        started = time.monotonic()
        timings = replay_all([first, second], [conversation, conversation], 2, OPEN_HOURS, 0.3)
        took = time.monotonic() - started
    assert len(timings) == 6
    # Two pauses of 0.3 s in each conversation, the two side by side.
    assert 0.6 <= took < 2.0
    assert (len(to_first), len(to_second)) == (3, 3)

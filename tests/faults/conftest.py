"""Fault fixtures: a throwaway PostgreSQL cluster that can be stopped and started, a stand-in
for Rasa's HTTP edge, the spool ingester as a real process, and the gateway built on them.

The cluster is made once per test session (once per xdist worker: each has its own port
and directory) with the machine's own PostgreSQL binaries, and emptied before each test.
Nothing of our own code is replaced: the faults are real (a stopped server, a trigger
that refuses, a table lock held by another connection).
"""

from __future__ import annotations

import json
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from tests.conftest import (
    OPEN_HOURS,
    TEST_DATA_KEY,
    TEST_LOOKUP_KEY,
    TWILIO_AUTH_TOKEN,
    emptying_statements,
    free_port,
    migrate,
)
from tests.gateway.conftest import signed_post, sms_params
from webhooks import create_app
from webhooks.config import Settings
from webhooks.db.crypto import lookup_hash
from webhooks.db.engine import make_engine
from webhooks.db.models import Conversation, Message, RiskFlag

# The ingester as it runs in production: the alerts worker's command, in this venv.
TRIAGE = Path(sys.executable).with_name("triage")
# The numbers each team is texted or called on (data/teams/*.yml).
LONDON = "+442079460100"
SOUTH_ESSEX = "+441134960300"
COVENTRY = "+441214960200"
RISK_TEXT = "I want to kill myself"
# In every crisis reply and in "we kept your message" (data/messages.yml).
SAMARITANS = "116 123"
# Said when the bot cannot answer: never the reply to a retried delivery.
CANNOT_ANSWER = "cannot answer properly"
INGESTER_TIMEOUT_SECONDS = 60


def _postgres_bin_dir() -> Path:
    """The newest PostgreSQL server binaries on this machine; the suite fails without them."""
    found = sorted(
        (path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    on_path = shutil.which("initdb")
    if on_path and not found:
        found.append(Path(on_path).resolve().parent)
    for directory in reversed(found):
        if (directory / "pg_ctl").exists():
            return directory
    pytest.fail(
        "The fault tests need PostgreSQL's server binaries (initdb, pg_ctl) to make a "
        "throwaway cluster; none were found in /usr/lib/postgresql/*/bin or on PATH. "
        "Install them (e.g. apt-get install postgresql-15).",
        pytrace=False,
    )


def _cluster_port() -> int:
    """A free port below the range the system hands out for port 0: while the cluster is
    stopped, no stand-in server or client socket (this worker's or another's) can take it."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    for port in random.sample(range(10000, min(low, 30000)), 50):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


@dataclass
class Cluster:
    """A PostgreSQL cluster of this worker's own, in a temp dir, on a free port."""

    root: Path
    bin_dir: Path
    port: int
    # initdb refuses to run as root: the binaries then run as the postgres OS user.
    as_postgres: bool
    emptying: str = ""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/triage"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, binary: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / binary), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=60, check=False, cwd=self.root
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(
                f"{binary} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{tail}",
                pytrace=False,
            )
        return result

    def init(self) -> None:
        data = str(self.data)
        self.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        # No fsync (a test cluster outlives no machine crash), but commits stay
        # synchronous: an immediate stop must not lose what was committed.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "30", "-o", options, "start"
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server at once (immediate: as if it crashed; fast: connections cut)."""
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", mode, "stop")

    def is_running(self) -> bool:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, check=False).returncode == 0

    def ensure_running(self) -> None:
        if not self.is_running():
            self.start()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A fresh cluster with the gateway's schema migrated, made once per worker, removed
    at the end (its directory under /tmp, so the postgres user can reach it)."""
    bin_dir = _postgres_bin_dir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(
                "Running as root, the fault tests start PostgreSQL as the 'postgres' OS user "
                "(initdb refuses root), and there is none: run them as another user.",
                pytrace=False,
            )
    root = Path(tempfile.mkdtemp(prefix="triage-faults-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root=root, bin_dir=bin_dir, port=_cluster_port(), as_postgres=as_postgres)
    try:
        cluster.init()
        cluster.start()
        admin = make_engine(cluster.admin_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE triage"))
        admin.dispose()
        migrate(cluster.url)
        engine = make_engine(cluster.url)
        cluster.emptying = emptying_statements(engine, "public")
        engine.dispose()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


REFUSE_REFERRALS = """
CREATE OR REPLACE FUNCTION refuse_referrals() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'referrals cannot be stored right now';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_referrals BEFORE INSERT ON referrals
    FOR EACH ROW EXECUTE FUNCTION refuse_referrals();
"""
ALLOW_REFERRALS = "DROP TRIGGER IF EXISTS refuse_referrals ON referrals"


@pytest.fixture
def cluster(postgres_cluster: Cluster) -> Cluster:
    """The cluster, running, with no rows and no fault left by an earlier test."""
    postgres_cluster.ensure_running()
    engine = make_engine(postgres_cluster.url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(ALLOW_REFERRALS)
            connection.exec_driver_sql(postgres_cluster.emptying)
    finally:
        engine.dispose()
    return postgres_cluster


@pytest.fixture
def db_engine(cluster: Cluster) -> Iterator[Engine]:
    """An engine for checking rows (its pool survives restarts: connections are pinged)."""
    engine = make_engine(cluster.url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(cluster: Cluster, tmp_path: Path) -> Settings:
    """The gateway on the throwaway cluster; Rasa stopped (nothing listens) unless a test
    builds it with a stand-in; the clock pinned to a time every team is open."""
    return Settings(
        secret_key="test-secret-key",
        twilio_auth_token=TWILIO_AUTH_TOKEN,
        database_url=cluster.url,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        action_server_url=f"http://127.0.0.1:{free_port()}",
        rasa_timeout_seconds=2.0,
        triage_now=OPEN_HOURS,
        spool_dir=tmp_path / "spool",
        data_keys=(TEST_DATA_KEY,),
        lookup_key=TEST_LOOKUP_KEY,
    )


@pytest.fixture
def gateway(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Build the gateway (optionally with another Rasa URL); each is closed afterwards.

    TESTING is left off: an unhandled error is the 500 Twilio would get, not an exception.
    """
    built: list[Flask] = []

    def build(rasa_url: str | None = None) -> Flask:
        app = create_app(settings if rasa_url is None else replace(settings, rasa_url=rasa_url))
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["engine"].dispose()
        app.extensions["triage"].transports.http.close()


@pytest.fixture
def app(gateway: Callable[..., Flask]) -> Flask:
    """The gateway with Rasa stopped."""
    return gateway()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- The ingester ---------------------------------------------------------------------


def run_ingester(settings: Settings) -> subprocess.CompletedProcess[str]:
    """`triage alerts --once` as a real process, on the same database and spool."""
    env = dict(os.environ)
    for name in ("TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "TRIAGE_DATA_DIR", "REDIS_URL"):
        env.pop(name, None)
    assert settings.triage_now is not None
    env.update(
        DATABASE_URL=settings.database_url,
        TRIAGE_SPOOL_DIR=str(settings.spool_dir),
        SECRET_KEY=settings.secret_key,
        TWILIO_AUTH_TOKEN=settings.twilio_auth_token,
        TRIAGE_NOW=settings.triage_now.isoformat(),
    )
    return subprocess.run(
        [str(TRIAGE), "alerts", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=INGESTER_TIMEOUT_SECONDS,
        check=False,
    )


def ingest(settings: Settings) -> None:
    """Run the ingester with the database up; it must succeed."""
    result = run_ingester(settings)
    assert result.returncode == 0, f"triage alerts --once failed:\n{result.stderr[-3000:]}"


def spool_files(spool_dir: Path) -> list[Path]:
    """Every file left anywhere under the spool: waiting, claimed or half written."""
    if not spool_dir.exists():
        return []
    return sorted(path for path in spool_dir.rglob("*") if path.is_file())


def waiting(spool_dir: Path) -> list[Path]:
    """Messages waiting in the spool (not referrals, not claimed)."""
    return sorted(spool_dir.glob("*.json")) if spool_dir.exists() else []


# --- What the database holds ----------------------------------------------------------


def inbound_bodies(engine: Engine, channel: str, contact_key: str | None = None) -> list[str]:
    """The person's messages in the order stored; fails unless one conversation holds them
    (the only one on the channel when no contact key is given: a browser's is random)."""
    with Session(engine) as session:
        query = select(Conversation.id).where(Conversation.channel == channel)
        if contact_key is not None:
            query = query.where(Conversation.contact_hash == lookup_hash(contact_key))
        conversations = session.scalars(query).all()
        assert len(conversations) == 1, f"{len(conversations)} conversations for one person"
        return list(
            session.scalars(
                select(Message.body)
                .where(Message.conversation_id == conversations[0], Message.direction == "in")
                .order_by(Message.id)
            )
        )


def all_inbound_bodies(engine: Engine) -> list[str]:
    """Every inbound message stored, in the order stored."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Message.body).where(Message.direction == "in").order_by(Message.id)
            )
        )


def risk_categories(engine: Engine, body: str) -> list[str]:
    """The risk flags on the stored message with this text."""
    with Session(engine) as session:
        return [
            flag.category
            for flag in session.scalars(select(RiskFlag).order_by(RiskFlag.id))
            if flag.message.body == body
        ]


# --- Talking to the gateway as Twilio and a browser do --------------------------------


@dataclass(frozen=True)
class Answer:
    """What came back, and how long it took."""

    status: int
    texts: list[str]
    seconds: float
    body: str = ""

    @property
    def said(self) -> str:
        return " ".join(self.texts)


def text_in(client: FlaskClient, body: str, sender: str, to: str = LONDON, **extra: str) -> Answer:
    """A text message, signed as Twilio signs it; the replies' texts."""
    return post_sms(client, sms_params(body, From=sender, To=to, **extra))


def post_sms(client: FlaskClient, params: dict[str, str]) -> Answer:
    started = time.monotonic()
    response = signed_post(client, "/twilio/sms", params)
    seconds = time.monotonic() - started
    texts: list[str] = []
    if response.status_code == 200:
        texts = [m.text or "" for m in ElementTree.fromstring(response.data).iter("Message")]
    return Answer(response.status_code, texts, seconds, response.get_data(as_text=True))


def chat_in(client: FlaskClient, team_id: str, text_: str) -> Answer:
    """A web chat message from this client's browser (its cookie keeps the conversation)."""
    page = client.get(f"/chat/{team_id}").get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', page)
    assert match, "the chat page has no CSRF token"
    started = time.monotonic()
    response = client.post(
        f"/chat/{team_id}/messages", json={"text": text_}, headers={"X-CSRFToken": match[1]}
    )
    seconds = time.monotonic() - started
    texts: list[str] = []
    if response.status_code == 200 and response.json is not None:
        texts = [reply["text"] for reply in response.json["replies"]]
    return Answer(response.status_code, texts, seconds, response.get_data(as_text=True))


def call_params(call_sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": call_sid,
        "From": "+447911123456",
        "To": COVENTRY,
        "CallStatus": "in-progress",
        **extra,
    }


def call_in(client: FlaskClient, path: str, params: dict[str, str]) -> Answer:
    """A voice webhook; the words the caller hears (every <Say>)."""
    started = time.monotonic()
    response = signed_post(client, path, params)
    seconds = time.monotonic() - started
    body = response.get_data(as_text=True)
    texts: list[str] = []
    if response.status_code == 200:
        texts = [node.text or "" for node in ElementTree.fromstring(body).iter("Say")]
    return Answer(response.status_code, texts, seconds, body)


def dials(twiml: str) -> list[ElementTree.Element]:
    """The <Dial> verbs in a TwiML document."""
    return list(ElementTree.fromstring(twiml).iter("Dial"))


def dial_reached(client: FlaskClient, answer: Answer, call_sid: str) -> ElementTree.Element:
    """The <Dial> the caller reaches from this answer: in it, or one keypress away (the
    caller presses 1 to accept an offer to be put through, as Twilio would post it)."""
    found = dials(answer.body)
    if not found:
        offers = [
            node.get("action") or "" for node in ElementTree.fromstring(answer.body).iter("Gather")
        ]
        assert offers, f"neither a <Dial> nor an offer to put the caller through: {answer.body}"
        accepted = call_in(client, offers[-1], call_params(call_sid, Digits="1"))
        assert accepted.status == 200, accepted.body[:300]
        found = dials(accepted.body)
    assert len(found) == 1, f"expected one <Dial>: {answer.body}"
    return found[0]


# --- Rasa's HTTP edge, stood in -------------------------------------------------------

RasaAnswer = Callable[[dict[str, Any]], list[dict[str, Any]]]


@dataclass
class StubRasa:
    """Answers `POST /webhooks/rest/webhook` as Rasa's REST channel does, by `answer`."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def stub_rasa(answer: RasaAnswer) -> Iterator[StubRasa]:
    """A local HTTP server standing in for Rasa; `answer` gets the JSON body it was sent."""
    stub = StubRasa(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            stub.received.append(body)
            if self.path.rstrip("/") != "/webhooks/rest/webhook":
                self.send_error(404)
                return
            data = json.dumps(answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the test output is the place for failures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def referral_record(name: str = "Sam Jones") -> dict[str, Any]:
    """A finished South Essex referral as the flow hands it over (`flows.record`)."""
    return {
        "flow_id": "south_essex",
        "flow_version": 1,
        "outcome": "complete",
        "complete": True,
        "answers": [
            {
                "question_id": "full_name",
                "kind": "text",
                "label": "Full name",
                "prompt": "What is your full name?",
                "value": name,
                "display": name,
            },
            {
                "question_id": "consent_ld_team",
                "kind": "yes_no",
                "label": "Consent",
                "prompt": "Do you agree to the team having your referral?",
                "value": True,
                "display": "Yes",
            },
        ],
        "consents": [
            {"recipient": "ld_team", "given": True, "at": "2026-11-24T09:59:00+00:00"},
        ],
    }


def in_thread(work: Callable[[], Answer]) -> tuple[threading.Thread, list[Answer | BaseException]]:
    """Run `work` in a thread; its answer (or the error it raised) lands in the list."""
    outcome: list[Answer | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome

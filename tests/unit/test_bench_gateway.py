"""`triage bench` against a real gateway (served in this process) whose Rasa is down.

Nothing here needs Rasa: with it down, every turn is answered "cannot answer properly
right now", nobody may be told their referral was sent, and every message must still
be found in the database. The signature and a gateway that is not there are one-line
errors.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from flows import load_flows
from tests.conftest import TWILIO_AUTH_TOKEN, free_port
from webhooks.cli.bench import bench
from webhooks.cli.common import team_directory
from webhooks.config import Settings
from webhooks.db.models import Conversation, Message, Referral
from webhooks.dev import load
from webhooks.dev.load import Load, LoadPlan
from webhooks.dev.soak import check_ledger
from webhooks.dev.texting import ANSWERED, Patience, Target, Turn, Walk


@pytest.fixture
def gateway(app: Flask) -> Iterator[str]:
    """The gateway app on a real HTTP port, as Twilio would reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def run_bench(settings: Settings, *arguments: str, token: str = TWILIO_AUTH_TOKEN) -> Result:
    environment = {
        "TWILIO_AUTH_TOKEN": token,
        "DATABASE_URL": settings.database_url,
        "RASA_URL": settings.rasa_url,
    }
    return CliRunner().invoke(bench, list(arguments), env=environment)


def test_a_wrong_token_is_one_line_naming_twilio_auth_token(
    gateway: str, settings: Settings
) -> None:
    result = run_bench(settings, "--url", gateway, token="not-the-gateway-token")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: the gateway refused the signature (HTTP 403): "
        "set TWILIO_AUTH_TOKEN to the token the gateway uses"
    ]


def test_a_gateway_that_is_not_there_is_one_line(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_bench(settings, "--url", url)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: the gateway at {url} does not answer (ConnectionError): "
        "is the stack running (`triage up`)?"
    ]


def test_with_rasa_down_every_message_is_kept_and_nobody_is_told_sent(
    gateway: str, settings: Settings
) -> None:
    result = run_bench(
        settings, "--url", gateway, "--conversations", "3", "--concurrency", "3",
        "--give-up-after", "1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[-1])
    # Each person says hello, is told the bot cannot answer, waits and tries once more.
    assert report["turns"] == report["cannot_answer"] == report["replies_out"] == 6
    assert (report["conversations"], report["completed"], report["incomplete"]) == (3, 0, 3)
    assert (report["messages_in"], report["messages_stored"]) == (6, 6)
    assert (report["referrals_expected"], report["lost"]) == (0, 0)
    # Nothing completed, so nothing is compared with Rasa straight.
    assert "rasa_direct_p50_ms" not in report
    assert "stored: 6 of 6 messages, 0 of 0 referrals; lost 0" in result.output


def a_walk(*sids: str, reference: str | None = None) -> Walk:
    team = team_directory().by_id("south-essex")
    assert team is not None
    walk = Walk("+447700900001", Target(team, load_flows()[team.flows[0]]), reference=reference)
    walk.turns = [Turn("hello", sid, 10.0, ANSWERED) for sid in sids]
    return walk


def store(engine: Engine, sid: str, reference: str) -> None:
    with Session(engine) as session:
        conversation = Conversation(
            id="c1", team_id="south-essex", channel="sms", contact_key="+447700900001"
        )
        session.add(conversation)
        session.add(Message(conversation=conversation, direction="in", body="x", external_id=sid))
        session.add(
            Referral(
                reference=reference, conversation=conversation, team_id="south-essex",
                channel="sms", flow_id="south_essex", flow_version=1,
            )
        )  # fmt: skip
        session.commit()


def test_the_ledger_finds_what_was_stored(engine: Engine, database_url: str) -> None:
    store(engine, "SMstored", "LD-7K3QPX")
    ledger = check_ledger(database_url, [a_walk("SMstored", reference="LD-7K3QPX")])
    assert ledger.figures() == {
        "messages_in": 1,
        "messages_stored": 1,
        "referrals_expected": 1,
        "referrals_committed": 1,
        "lost": 0,
    }


def test_a_message_missing_and_a_referral_missing_are_both_lost(
    engine: Engine, database_url: str
) -> None:
    store(engine, "SMstored", "LD-7K3QPX")
    walks = [a_walk("SMstored", "SMmissing", reference="LD-ABSENT"), a_walk("SMnever")]
    ledger = check_ledger(database_url, walks)
    assert (ledger.messages_in, ledger.messages_stored) == (3, 1)
    assert (ledger.referrals_expected, ledger.referrals_committed) == (1, 0)
    assert ledger.lost == 3


def test_at_a_persons_pace_people_start_spread_over_one_pause(
    gateway: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All at one instant, with the same pause each, they would text in bursts all run long.
    started: list[float] = []
    real_texter = load.texter

    def noted(*arguments: Any) -> Any:
        started.append(time.monotonic())
        return real_texter(*arguments)

    monkeypatch.setattr(load, "texter", noted)
    team = team_directory().by_id("south-essex")
    assert team is not None
    plan = LoadPlan(
        url=gateway,
        auth_token=TWILIO_AUTH_TOKEN,
        targets=(Target(team, load_flows()[team.flows[0]]),),
        concurrency=3,
        conversations=3,
        # Each conversation outlasts the spread: nobody takes a second before all have begun.
        patience=Patience(give_up_seconds=1.0, pause_seconds=0.2, think_seconds=0.9),
        first_number=700,
    )
    Load(plan).run()
    gaps = [later - earlier for earlier, later in itertools.pairwise(sorted(started))]
    assert len(started) == 3 and all(gap > 0.2 for gap in gaps), gaps

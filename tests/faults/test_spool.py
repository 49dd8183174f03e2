"""The spool of messages kept while the database was down: the ingester (`triage alerts`,
a real process) stores every one, in order, flagged; nothing is orphaned, a claim left by
a dead ingester is taken back, and a person's own request never does the ingesting."""

from __future__ import annotations

import os
import subprocess
import time

from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.faults.conftest import (
    RISK_TEXT,
    Cluster,
    all_inbound_bodies,
    inbound_bodies,
    ingest,
    risk_categories,
    run_ingester,
    spool_files,
    text_in,
    waiting,
)
from webhooks.config import Settings

ALEX = "+447911200001"
BO = "+447911200002"


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_every_message_spooled_during_one_outage_is_stored_in_order_and_flagged(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    cluster.stop()
    sent = [
        (ALEX, "hello, I need to refer myself"),
        (BO, RISK_TEXT),
        (ALEX, "are you still there"),
        (BO, "please answer"),
    ]
    for sender, body in sent:
        assert text_in(client, body, sender).status == 200
    assert len(waiting(settings.spool_dir)) == len(sent)
    cluster.start()
    ingest(settings)
    assert all_inbound_bodies(db_engine) == [body for _, body in sent]
    assert inbound_bodies(db_engine, "sms", ALEX) == [sent[0][1], sent[2][1]]
    assert inbound_bodies(db_engine, "sms", BO) == [RISK_TEXT, "please answer"]
    assert set(risk_categories(db_engine, RISK_TEXT)) == {"self"}
    assert risk_categories(db_engine, "please answer") == []
    assert spool_files(settings.spool_dir) == []


def test_a_message_claimed_by_an_ingester_that_died_is_stored_by_the_next(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    cluster.stop()
    assert text_in(client, RISK_TEXT, ALEX).status == 200
    [spooled] = waiting(settings.spool_dir)
    # As an ingester claims a file before storing it; then it died (its pid is gone, and
    # the claim is an hour old).
    claimed = spooled.with_name(f".{spooled.name}.{dead_pid()}.claimed")
    spooled.rename(claimed)
    an_hour_ago = time.time() - 3600
    os.utime(claimed, (an_hour_ago, an_hour_ago))
    cluster.start()
    ingest(settings)
    assert inbound_bodies(db_engine, "sms", ALEX) == [RISK_TEXT]
    assert set(risk_categories(db_engine, RISK_TEXT)) == {"self"}
    assert spool_files(settings.spool_dir) == []


def test_with_the_database_still_down_the_ingester_leaves_every_spooled_message_waiting(
    cluster: Cluster, client: FlaskClient, settings: Settings
) -> None:
    cluster.stop()
    for sender, body in [(ALEX, "hello"), (BO, RISK_TEXT), (ALEX, "anyone there")]:
        assert text_in(client, body, sender).status == 200
    before = {path.name: path.read_bytes() for path in waiting(settings.spool_dir)}
    assert len(before) == 3
    run_ingester(settings)  # it may report the database down; it must not lose anything
    after = {path.name: path.read_bytes() for path in waiting(settings.spool_dir)}
    assert after == before
    assert spool_files(settings.spool_dir) == sorted(waiting(settings.spool_dir))


def test_a_persons_turn_leaves_what_is_spooled_to_the_ingester(
    cluster: Cluster, client: FlaskClient, settings: Settings, db_engine: Engine
) -> None:
    cluster.stop()
    assert text_in(client, "sent while the database was down", ALEX).status == 200
    [spooled] = waiting(settings.spool_dir)
    cluster.start()
    assert text_in(client, "sent once it was back", BO).status == 200
    assert waiting(settings.spool_dir) == [spooled]
    assert all_inbound_bodies(db_engine) == ["sent once it was back"]

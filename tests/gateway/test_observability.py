"""Failures are visible: JSON log lines with a request id and no personal data, and
Prometheus metrics that add up across gunicorn's workers."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from tests.conftest import TWILIO_AUTH_TOKEN, free_port
from tests.gateway.conftest import sms_params
from tests.gateway.test_status import add_alert, spooled
from webhooks import create_app
from webhooks.config import Settings
from webhooks.gunicorn_config import METRICS_ROOT, remove_dead_runs
from webhooks.observability import logs, metrics

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SECRETS = ["Marta", "Kowalska", "07911 654320", "07911654320", "447911654320"]


@pytest.fixture
def json_log(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The gateway's JSON log lines, as gunicorn's config writes them, parsed."""
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def post_sms(client: FlaskClient, params: dict[str, str], **headers: str) -> TestResponse:
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
        "http://localhost/twilio/sms", params
    )
    return client.post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature, **headers}
    )


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return parse(response.get_data(as_text=True))


def parse(exposition: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_each_response_carries_a_new_request_id(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert len(first) == 32 and first != second


def test_a_well_formed_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "edge-7f3a-0001"})
    assert response.headers["X-Request-Id"] == "edge-7f3a-0001"


@pytest.mark.parametrize("incoming", ["447911654320", "+447911654320", "a b", "x" * 65])
def test_an_incoming_request_id_that_is_not_an_id_is_replaced(
    client: FlaskClient, incoming: str
) -> None:
    returned = client.get("/healthz", headers={"X-Request-Id": incoming}).headers["X-Request-Id"]
    assert returned != incoming and len(returned) == 32


def test_every_log_line_of_a_request_is_json_with_its_request_id(
    client: FlaskClient, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    response = post_sms(client, sms_params("hello"), **{"X-Request-Id": "turn-000000001"})
    assert response.status_code == 200
    lines = json_log()
    assert {line["request_id"] for line in lines} == {"turn-000000001"}
    assert "Rasa unavailable: ConnectionError" in [line["message"] for line in lines]
    access = lines[-1]
    assert access["logger"] == "webhooks.access"
    assert access["level"] == "INFO"
    assert (access["route"], access["method"], access["status"]) == ("/twilio/sms", "POST", 200)
    assert access["duration_ms"] > 0
    assert {"time", "message"} <= access.keys()


def test_no_log_line_holds_a_name_or_a_number(
    client: FlaskClient,
    json_log: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = "I am Marta Kowalska, ring me on 07911 654320"
    post_sms(client, sms_params(text, From="+447911654320"))
    client.get("/healthz?phone=07911654320")
    written = json.dumps(json_log())
    assert "/twilio/sms" in written and "/healthz" in written
    for secret in SECRETS:
        assert secret not in written
        assert secret not in caplog.text


def test_the_formatters_blank_numbers_and_leave_out_exception_messages() -> None:
    name = SECRETS[0] + " " + SECRETS[1]
    try:
        raise ValueError(f"could not store {name}")  # as a database error quotes its row
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "from %s", ("+447911654320",), sys.exc_info()
        )
    for formatter in (logs.JsonFormatter(), logs.TextFormatter()):
        line = formatter.format(record)
        assert "ValueError" in line and "[number]" in line
        assert "Kowalska" not in line and "7911" not in line
    assert logs.scrub("stored 3 at 2026-11-24T10:00:00 in 120 ms") == (
        "stored 3 at 2026-11-24T10:00:00 in 120 ms"
    )


def test_a_log_format_other_than_json_or_text_names_the_variable() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter_for("yaml")


def test_it_exposes_every_metric_at_metrics(client: FlaskClient) -> None:
    samples = scrape(client)
    for kind in metrics.REPLY_KINDS:
        assert value(samples, "triage_replies_total", kind=kind) >= 0
    for reason in metrics.RASA_ERRORS:
        assert value(samples, "triage_rasa_errors_total", reason=reason) >= 0
    for name in (
        "triage_turns_total",
        "triage_rasa_latency_seconds_count",
        "triage_spool_depth",
        "triage_spool_oldest_age_seconds",
        "triage_alerts_pending",
        "triage_alerts_failed",
        "triage_alerts_failing",
        "triage_database_up",
    ):
        assert value(samples, name) >= 0
    assert value(samples, "triage_database_up") == 1


def test_turns_and_replies_are_counted_by_kind(client: FlaskClient) -> None:
    before = scrape(client)
    metrics.count_turn()
    for kind in ("crisis", "crisis", "question", "cannot_answer", "a kind nobody named"):
        metrics.count_reply(kind)
    after = scrape(client)
    assert value(after, "triage_turns_total") - value(before, "triage_turns_total") == 1
    for kind, added in {"crisis": 2, "question": 1, "cannot_answer": 1, "other": 1}.items():
        counted = value(after, "triage_replies_total", kind=kind)
        assert counted - value(before, "triage_replies_total", kind=kind) == added


def test_rasa_down_is_counted_as_unavailable(client: FlaskClient) -> None:
    before = scrape(client)
    post_sms(client, sms_params("hello"))
    after = scrape(client)
    errors = "triage_rasa_errors_total"
    assert (
        value(after, errors, reason="unavailable") - value(before, errors, reason="unavailable")
        == 1
    )
    assert value(after, errors, reason="timeout") == value(before, errors, reason="timeout")
    latency = "triage_rasa_latency_seconds_count"
    assert value(after, latency) - value(before, latency) == 1


def test_rasa_hanging_is_counted_as_a_timeout(settings: Settings) -> None:
    with socket.socket() as stuck:  # accepts connections, never answers
        stuck.bind(("127.0.0.1", 0))
        stuck.listen(8)
        rasa_url = f"http://127.0.0.1:{stuck.getsockname()[1]}"
        app = create_app(replace(settings, rasa_url=rasa_url, rasa_timeout_seconds=0.5))
        client = app.test_client()
        before = scrape(client)
        post_sms(client, sms_params("hello"))
        after = scrape(client)
        app.extensions["engine"].dispose()
    errors = "triage_rasa_errors_total"
    assert value(after, errors, reason="timeout") - value(before, errors, reason="timeout") == 1


def test_the_spool_gauges_count_what_waits_and_age_the_oldest(
    client: FlaskClient, settings: Settings
) -> None:
    spooled(settings.spool_dir, "2026-11-24T100000-aa.json", 30)
    spooled(settings.spool_dir, ".2026-11-24T100100-bb.json.77.claimed", 125)
    spooled(settings.spool_dir, "held/2026-11-24T100200-cc.json", 60)
    spooled(settings.spool_dir, "notes.txt", 900)  # not a spooled item
    spooled(settings.spool_dir, "set-aside/2026-11-24T090000-dd.json", 900)
    samples = scrape(client)
    assert value(samples, "triage_spool_depth") == 3
    assert 125 <= value(samples, "triage_spool_oldest_age_seconds") < 135
    assert value(samples, "triage_spool_set_aside") == 1


def test_the_alert_gauges_count_the_alerts_table(client: FlaskClient, db: Session) -> None:
    add_alert(db, "pending", 1)
    add_alert(db, "pending", 4, "twilio 503")
    add_alert(db, "failed", 20, "twilio 500")
    add_alert(db, "acknowledged", 2, acknowledged=True)
    samples = scrape(client)
    assert value(samples, "triage_alerts_pending") == 2
    assert value(samples, "triage_alerts_failed") == 1
    assert value(samples, "triage_alerts_failing") == 2


def test_with_the_database_down_metrics_still_answer(
    app_without_database: Flask, settings: Settings
) -> None:
    spooled(settings.spool_dir, "2026-11-24T100000-aa.json", 10)
    samples = scrape(app_without_database.test_client())
    assert value(samples, "triage_database_up") == 0
    assert value(samples, "triage_spool_depth") == 1
    assert not any(name.startswith("triage_alerts") for name, _ in samples)


COUNT_IN_A_PROCESS = textwrap.dedent(
    """
    from webhooks.observability import metrics
    metrics.count_turn()
    metrics.count_turn()
    metrics.count_reply("crisis")
    """
)


def test_the_counts_of_several_processes_add_up(tmp_path: Path) -> None:
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    workers = [
        subprocess.Popen([sys.executable, "-c", COUNT_IN_A_PROCESS], env=env) for _ in range(2)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    content, _ = metrics.exposition(path=tmp_path)
    samples = parse(content.decode())
    assert value(samples, "triage_turns_total") == 4
    assert value(samples, "triage_replies_total", kind="crisis") == 2


def test_a_run_killed_outright_leaves_no_metrics_directory_behind(tmp_path: Path) -> None:
    dead = tmp_path / "run-999999999-abc"  # above any pid the kernel hands out
    alive = tmp_path / f"run-{os.getpid()}-def"
    for directory in (dead, alive):
        directory.mkdir()
    remove_dead_runs(tmp_path)
    assert not dead.exists() and alive.exists()


def test_gunicorn_workers_log_json_and_report_one_sum(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    shutil.copyfile(migrated_sqlite, tmp_path / "triage.db")
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT")
    }
    env.update(
        SECRET_KEY="test-secret-key",
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
        DATABASE_URL=f"sqlite:///{tmp_path / 'triage.db'}",
        TRIAGE_SPOOL_DIR=str(tmp_path / "spool"),
        RASA_URL=f"http://127.0.0.1:{free_port()}",
    )
    command = [sys.executable, "-m", "gunicorn", "--bind", url.removeprefix("http://")]
    command += ["--workers", "2", "--config", "python:webhooks.gunicorn_config"]
    with (tmp_path / "gateway.log").open("wb") as log_file:
        gateway = subprocess.Popen(
            [*command, "webhooks:create_app()"], env=env, stdout=log_file, stderr=log_file
        )
    try:
        wait_until_answering(f"{url}/healthz", gateway)
        (run_dir,) = METRICS_ROOT.glob(f"run-{gateway.pid}-*")
        before = parse(requests.get(f"{url}/metrics", timeout=10).text)
        for number in range(12):
            headers = {"X-Request-Id": f"probe-{number:04d}"}
            assert requests.get(f"{url}/healthz", headers=headers, timeout=10).ok
        after = parse(requests.get(f"{url}/metrics", timeout=10).text)
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
    healthz = {"route": "/healthz", "method": "GET", "status": "200"}
    added = value(after, "triage_http_requests_total", **healthz) - value(
        before, "triage_http_requests_total", **healthz
    )
    assert added == 12
    assert not run_dir.exists()
    lines = [json.loads(line) for line in (tmp_path / "gateway.log").read_text().splitlines()]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    probes = [line for line in lines if str(line["request_id"]).startswith("probe-")]
    assert len(probes) == 12 and {line["route"] for line in probes} == {"/healthz"}


def wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited"
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass  # not listening yet, or its workers still starting
        time.sleep(0.2)
    raise AssertionError("the gateway did not answer in 90 s")


def test_a_turn_counts_itself_and_its_replies_by_kind(client: FlaskClient) -> None:
    before = scrape(client)
    post_sms(client, sms_params("hello"))  # Rasa is down here: "cannot answer properly"
    post_sms(client, sms_params("I want to kill myself"))
    after = scrape(client)
    assert value(after, "triage_turns_total") - value(before, "triage_turns_total") == 2

    def added(kind: str) -> float:
        return value(after, "triage_replies_total", kind=kind) - value(
            before, "triage_replies_total", kind=kind
        )

    assert added("cannot_answer") == 1
    assert added("crisis") >= 1

"""The background worker (`triage alerts`) outlives a database that is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.gateway.conftest import DATABASE_DOWN

TRIAGE = str(Path(sys.executable).parent / "triage")


def worker_env(spool: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=DATABASE_DOWN,
        TRIAGE_SPOOL_DIR=str(spool),
        SECRET_KEY="worker-test-secret",
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
    )


def test_with_the_database_down_the_worker_waits_longer_each_time_and_keeps_running(
    tmp_path: Path,
) -> None:
    worker = subprocess.Popen(
        [TRIAGE, "alerts", "--interval", "1"],
        env=worker_env(tmp_path / "spool"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(8)
        assert worker.poll() is None, "the worker stopped on a database error"
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    pauses = [line for line in output.splitlines() if "trying again in" in line]
    assert pauses[:2] == [
        "the database is not available (OperationalError); trying again in 2 s",
        "the database is not available (OperationalError); trying again in 4 s",
    ]
    assert "Traceback" not in output


def test_one_round_with_the_database_down_says_so_and_fails(tmp_path: Path) -> None:
    done = subprocess.run(
        [TRIAGE, "alerts", "--once"],
        env=worker_env(tmp_path / "spool"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "the database is not available" in done.stderr
    assert "Traceback" not in done.stderr

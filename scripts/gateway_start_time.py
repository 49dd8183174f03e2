"""How long the gateway takes from launch to answering /healthz, as `triage up` starts it.

Run with the app's Python: `.venv/bin/python scripts/gateway_start_time.py`. Starts
gunicorn (two workers, a throwaway SQLite file, loopback only) three times and prints
the seconds each took; nothing else is needed (Rasa may be down: the gateway still starts).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
GIVE_UP_AFTER = 60.0


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """Whether the URL answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def one_start(work: Path) -> float:
    """Seconds from launching gunicorn to its first 200 on /healthz."""
    port = free_port()
    env = dict(
        os.environ,
        SECRET_KEY="start-time",
        TWILIO_AUTH_TOKEN="start-time",
        DATABASE_URL=f"sqlite:///{work / 'triage.db'}",
        TRIAGE_SPOOL_DIR=str(work / "spool"),
    )
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "webhooks:create_app()"]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not answers(f"http://127.0.0.1:{port}/healthz"):
            if process.poll() is not None or time.monotonic() - started > GIVE_UP_AFTER:
                raise SystemExit("the gateway did not start: run it by hand to see why")
            time.sleep(0.05)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Print each run's start time and the slowest."""
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        subprocess.run(
            [str(Path(sys.executable).parent / "triage"), "db", "upgrade"],
            env=dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'triage.db'}"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times = [one_start(work) for _ in range(RUNS)]
    for seconds in times:
        print(f"gateway answered /healthz {seconds:.2f} s after launch")
    print(f"slowest of {RUNS}: {max(times):.2f} s")


if __name__ == "__main__":
    main()

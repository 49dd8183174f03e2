"""The process supervisor behind `make run`, driven with small real processes."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from webhooks.dev.stack import ProcessSpec, Stack, StackError


def web_server(name: str, port: int) -> ProcessSpec:
    return ProcessSpec(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        f"http://127.0.0.1:{port}/",
        cwd=Path.cwd(),
    )


def test_it_waits_until_every_process_answers(tmp_path: Path) -> None:
    stack = Stack([web_server("one", free_port()), web_server("two", free_port())], tmp_path)
    progress: list[str] = []
    stack.start()
    try:
        stack.wait_ready(timeout_seconds=30, progress=progress.append)
        assert "one ready, two ready" in progress[-1]
        assert stack.dead_children() == []
    finally:
        stack.stop()


def test_it_names_a_process_that_dies_and_shows_its_last_lines(tmp_path: Path) -> None:
    dying = ProcessSpec(
        "fragile",
        [sys.executable, "-c", "import sys; print('model file is corrupt'); sys.exit(3)"],
        dict(os.environ),
        f"http://127.0.0.1:{free_port()}/",
        cwd=Path.cwd(),
    )
    stack = Stack([web_server("steady", free_port()), dying], tmp_path)
    stack.start()
    try:
        with pytest.raises(StackError, match="fragile stopped \\(exit code 3\\)") as error:
            stack.wait_ready(timeout_seconds=30)
        assert "model file is corrupt" in str(error.value)
    finally:
        stack.stop()


def test_it_gives_up_when_a_process_never_becomes_ready(tmp_path: Path) -> None:
    silent = ProcessSpec(
        "silent",
        [sys.executable, "-c", "import time; time.sleep(60)"],
        dict(os.environ),
        f"http://127.0.0.1:{free_port()}/",
        cwd=Path.cwd(),
    )
    stack = Stack([silent], tmp_path)
    stack.start()
    try:
        with pytest.raises(StackError, match="not ready after 2 s: silent"):
            stack.wait_ready(timeout_seconds=2)
    finally:
        stack.stop()


def test_stopping_ends_each_process_and_everything_it_started(tmp_path: Path) -> None:
    parent = ProcessSpec(
        "parent",
        ["sh", "-c", f"sleep 300 & exec {sys.executable} -m http.server {free_port()}"],
        dict(os.environ),
        "http://127.0.0.1:1/",
        cwd=Path.cwd(),
    )
    stack = Stack([parent], tmp_path)
    stack.start()
    group = stack.children[0].process.pid
    stack.stop()
    assert stack.children[0].process.poll() is not None
    assert group_ends(group), "the sleep started by the child outlived stop()"


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

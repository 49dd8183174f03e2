"""The patches the Rasa server runs with (bot/rasa_patches) give what Rasa's own code
gives: checked in Rasa's own environment by tests/rasa_side/check_patches.py, on
thousands of made-up conversations, a referral-shaped form, and every conversation Rasa
makes from this bot's rules and stories."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def test_patched_rasa_gives_what_rasa_gives() -> None:
    assert RASA_PYTHON.exists(), "Rasa's environment is missing: run `make setup` first"
    path = os.pathsep.join([str(ROOT / "bot"), str(ROOT)])  # as the stack runs Rasa
    environment = {**os.environ, "PYTHONPATH": path, "PYTHONWARNINGS": "ignore"}
    environment["RASA_TELEMETRY_ENABLED"] = "false"
    checked = subprocess.run(
        [str(RASA_PYTHON), str(ROOT / "tests" / "rasa_side" / "check_patches.py")],
        cwd=ROOT / "bot",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "applied_events: as Rasa's for 3000 made-up conversations" in checked.stdout
    assert "resolve_by_type: as Rasa's" in checked.stdout
    assert "action server call: as Rasa's" in checked.stdout
    assert "tracker store: reads a conversation back as Rasa does" in checked.stdout
    assert "tracker store: an event saved or read once is not decrypted again" in checked.stdout
    assert "opened events: kept within their limit, and forgotten" in checked.stdout
    assert "kept copy: a hand-over as Rasa writes it is kept without its record" in checked.stdout


# What a tracker holds beyond this turn: the action server is sent none of it
# (bot/rasa_patches/action_payload.py), so no action may read it.
EARLIER_EVENTS = {
    "events",
    "events_after_latest_restart",
    "applied_events",
    "get_last_event_for",
    "idx_after_latest_restart",
    "slots_to_validate",
}
# rasa_sdk's form validation reads earlier events (slots_to_validate); and the domain,
# which Rasa does not send either (selective domain; `send_domain: false` on the form's
# validation), arrives as an empty dict.
READS_EARLIER_EVENTS = {"FormValidationAction", "domain"}


def names_read(source: str) -> set[str]:
    """What an action reads that the action server is not sent: a tracker's earlier
    events (as an attribute, or named to getattr), the domain, rasa_sdk's form validation."""
    tree = ast.parse(source)
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    named = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    read = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return ((attributes | named) & EARLIER_EVENTS) | (read & READS_EARLIER_EVENTS)


def test_no_action_reads_earlier_events() -> None:
    for path in sorted((ROOT / "bot" / "actions").glob("*.py")):
        read = names_read(path.read_text(encoding="utf-8"))
        assert not read, f"{path.name} reads {sorted(read)}: the action server has this turn only"


def test_the_check_sees_an_action_that_reads_earlier_events() -> None:
    source = "def run(tracker):\n    events = [e for e in tracker.events if e]\n"
    assert names_read(source) == {"events"}
    assert names_read("class Form(FormValidationAction):\n    pass\n") == {"FormValidationAction"}
    assert names_read("def run(tracker):\n    return getattr(tracker, 'events')\n") == {"events"}
    reads_domain = "def run(tracker, domain):\n    return domain['slots']\n"
    assert names_read(reads_domain) == {"domain"}
    assert names_read("def run(tracker, domain):\n    return []\n") == set()

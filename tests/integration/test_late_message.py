"""A message reaching Rasa after the gateway stopped waiting for it is not taken as an
answer: the person was told the bot could not answer and sends it again, and taken both
times it would answer the next question as well."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from tests.conftest import OPEN_HOURS
from tests.integration.conftest import RunningStack
from webhooks.cli.common import team_directory
from webhooks.core.turn import gateway_metadata

TEAM = "south-essex"


def send(stack: RunningStack, sender: str, text: str, answer_by: float) -> list[str]:
    """Straight to Rasa's REST channel as the gateway sends it; the ids of the questions
    asked in reply."""
    team = team_directory().by_id(TEAM)
    assert team is not None
    metadata = gateway_metadata(team, "sms", OPEN_HOURS).to_dict()
    metadata["answer_by"] = answer_by
    response = requests.post(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": metadata},
        timeout=30,
    )
    assert response.status_code == 200
    replies: list[dict[str, Any]] = response.json()
    return [
        str(r["custom"]["question"]["id"]) for r in replies if "question" in r.get("custom", {})
    ]


def test_a_message_the_gateway_gave_up_on_leaves_the_question_open(stack: RunningStack) -> None:
    sender = f"late-{uuid.uuid4().hex}"
    assert send(stack, sender, "hello", time.time() + 8) == ["referrer"]

    # "Myself", arriving ten seconds after the gateway stopped waiting.
    assert send(stack, sender, "1", time.time() - 10) == ["referrer"]

    # Sent again, in time: now it is the answer, and the next question follows (taken
    # twice, "1" would also have answered it).
    assert send(stack, sender, "1", time.time() + 8) == ["easy_read"]

"""Twilio delivering one text twice at the same moment (a retry racing the first
delivery): both get the same replies, neither is told the bot is unavailable, and the
message is stored once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from tests.faults.conftest import (
    CANNOT_ANSWER,
    LONDON,
    Answer,
    Cluster,
    all_inbound_bodies,
    in_thread,
    post_sms,
    stub_rasa,
)
from tests.gateway.conftest import sms_params

QUESTION = "What is your full name?"


def slow_question(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa asking its next question, taking a second about it: the retry lands meanwhile."""
    time.sleep(1.0)
    return [{"recipient_id": body["sender"], "text": QUESTION}]


def test_one_text_delivered_twice_at_once_gets_the_same_replies_and_is_stored_once(
    cluster: Cluster, gateway: Callable[..., Flask], db_engine: Engine
) -> None:
    params = sms_params("hello, I want to refer myself", From="+447911400001", To=LONDON)
    together = threading.Barrier(2)
    with stub_rasa(slow_question) as rasa:
        app = gateway(rasa.url)

        def deliver() -> Answer:
            client = app.test_client()
            together.wait(timeout=10)
            return post_sms(client, params)

        runs = [in_thread(deliver) for _ in range(2)]
        for thread, _ in runs:
            thread.join(timeout=30)
    answers: list[Answer] = []
    for _, outcome in runs:
        assert outcome, "a delivery did not finish within 30 s"
        [answer] = outcome
        assert isinstance(answer, Answer), f"a delivery failed: {answer!r}"
        answers.append(answer)
    for answer in answers:
        assert answer.status == 200, answer.body[:300]
        assert CANNOT_ANSWER not in answer.said, answer.texts
        assert QUESTION in answer.texts, answer.texts
    first, second = answers
    assert first.texts == second.texts
    assert all_inbound_bodies(db_engine) == ["hello, I want to refer myself"]

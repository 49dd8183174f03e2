"""Conversation controls are recognised exactly, never guessed."""

from __future__ import annotations

import pytest

from flows import detect_control
from webhooks.core.turn import rasa_text


@pytest.mark.parametrize("text", ["stop", "STOP", "Stop.", "stop!!", " cancel ", "I want to stop"])
def test_it_recognises_stop(text: str) -> None:
    assert detect_control(text) == "control_stop"


@pytest.mark.parametrize("text", ["Lee Stopped", "Stopford", "bus stop road", "don't stop"])
def test_a_name_or_sentence_containing_stop_is_not_a_control(text: str) -> None:
    assert detect_control(text) is None


def test_rasa_gets_a_control_as_its_intent() -> None:
    assert rasa_text("STOP") == "/control_stop"


def test_a_person_cannot_send_rasa_an_intent_by_typing_a_slash() -> None:
    assert rasa_text("/greet") == "greet"
    assert rasa_text("Sam Jones") == "Sam Jones"

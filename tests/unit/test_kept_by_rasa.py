"""Rasa's store keeps a hand-over without its record (flows/kept_by_rasa.py); that Rasa
writes events in the shape read here is checked by tests/rasa_side/check_patches.py."""

from __future__ import annotations

import json

from flows.kept_by_rasa import kept_copy
from flows.protocol import ReferralHandOver

RECORD = {"outcome": "adding", "answers": [{"question_id": "full_name", "value": "Sam Jones"}]}


def bot_message(data: dict[str, object]) -> str:
    return json.dumps({"event": "bot", "timestamp": 1.5, "text": None, "data": data})


def test_a_hand_over_is_kept_without_the_record() -> None:
    kept = json.loads(kept_copy(bot_message({"custom": ReferralHandOver(RECORD).to_payload()})))

    assert kept == {
        "event": "bot",
        "timestamp": 1.5,
        "text": None,
        "data": {"custom": {"handed_over": {"kind": "referral", "outcome": "adding"}}},
    }
    assert "Sam Jones" not in json.dumps(kept)


def test_everything_else_is_kept_as_it_is() -> None:
    kept_whole = [
        bot_message({}),
        json.dumps({"event": "bot", "text": "Is your referral about you?", "data": {}}),
        bot_message({"custom": {"risk": {"category": "self"}}}),
        bot_message({"custom": {"referral": "not an object"}}),
        json.dumps({"event": "user", "text": "my referral", "parse_data": {}}),
        json.dumps({"event": "slot", "name": "referral", "value": {"referral": {}}}),
    ]
    for event in kept_whole:
        assert kept_copy(event) == event

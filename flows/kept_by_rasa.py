"""What Rasa's own copy of a conversation keeps of each event.

Everything, but for the referrals the bot hands over. A referral is handed over whole
after each answer that joins it once sent, so a referral of 50 questions left some 40
copies of itself in Rasa's store: well over half of its bytes, and Rasa reads, decrypts
and parses every stored event again at each turn, so each turn cost more the further
into the referral it came. The gateway receives the record from Rasa's answer, not from
its store, and commits it; Rasa never reads a hand-over back (the form works from its
slots). So the stored copy says only that a referral was handed over, and how it ended,
and Rasa's store holds one copy fewer of what the person said.
"""

from __future__ import annotations

import json
from typing import Any

from flows.protocol import REFERRAL

HANDED_OVER = "handed_over"
# Rasa writes an event as `json.dumps(event.as_dict())`: a bot message starts so.
BOT_MESSAGE = '{"event": "bot"'


def kept_copy(event_json: str) -> str:
    """The event as Rasa's store keeps it: as it is, or a hand-over without its record."""
    if not event_json.startswith(BOT_MESSAGE) or f'"{REFERRAL}"' not in event_json:
        return event_json
    event: dict[str, Any] = json.loads(event_json)
    data = event.get("data")
    if not isinstance(data, dict):
        return event_json
    custom = data.get("custom")
    if not isinstance(custom, dict) or not isinstance(custom.get(REFERRAL), dict):
        return event_json
    outcome = custom[REFERRAL].get("outcome")
    data["custom"] = {HANDED_OVER: {"kind": REFERRAL, "outcome": outcome}}
    return json.dumps(event)

"""The action server is sent the conversation as it stands, and this turn's events only.

Rasa 3.6 sends the action server every event of the conversation with each call, and a
referral is one long conversation: by its end each call carried some 600 events, and
turning them into JSON was a fifth of a late turn's time in Rasa, and reading them most of
the action server's. This bot's actions read the slots, the latest message and the active
form, which are sent as before, and never an earlier event (tests/unit/test_rasa_patches.py
checks bot/actions/ for any use of a tracker's events). So the events sent are this turn's:
from the person's latest message on.

The domain is not sent either: the endpoints ask Rasa for `enable_selective_domain`
(webhooks/dev/rasa_stores.py), and no action here asks for it.
"""

from __future__ import annotations

from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


def this_turn(tracker: DialogueStateTracker) -> list[Event]:
    """The events from the person's latest message on (all of them if there is none)."""
    taken: list[Event] = []
    for event in reversed(tracker.events):
        taken.append(event)
        if isinstance(event, UserUttered):
            break
    taken.reverse()
    return taken


def call_with_this_turn(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """What Rasa sends the action server, with this turn's events only."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in this_turn(tracker)]
    call: dict[str, Any] = {
        "next_action": self.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        call["domain"] = domain.as_dict()
    return call


def install() -> None:
    RemoteAction._action_call_format = call_with_this_turn  # type: ignore[method-assign]

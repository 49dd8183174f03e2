"""Start each conversation with the team, channel and flow the gateway says it is on."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Only these keys are copied from the gateway's metadata into slots: nothing personal.
_SLOTS_FROM_METADATA = {"team_name": "team_name", "channel": "channel", "flow_id": "flow_id"}


class ActionSessionStart(Action):
    """Like Rasa's own session start, plus slots from the gateway's metadata."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        # Carry slots over from the previous session, as the default action does.
        for key, value in tracker.slots.items():
            if value is not None and key != "session_started_metadata":
                events.append(SlotSet(key, value))
        metadata = tracker.get_slot("session_started_metadata") or {}
        for metadata_key, slot in _SLOTS_FROM_METADATA.items():
            if metadata.get(metadata_key):
                events.append(SlotSet(slot, str(metadata[metadata_key])))
        events.append(ActionExecuted("action_listen"))
        return events

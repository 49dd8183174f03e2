"""Start each conversation with the team, channel and flow the gateway says it is on."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from flows.protocol import CHANNEL, FLOW_ID, TEAM_NAME, GatewayMetadata

# Only these keys are copied from the gateway's metadata, each into the slot of the same
# name: nothing personal.
_SLOTS_FROM_METADATA = (TEAM_NAME, CHANNEL, FLOW_ID)


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
        started = GatewayMetadata.from_dict(tracker.get_slot("session_started_metadata"))
        metadata = started.to_dict()
        for key in _SLOTS_FROM_METADATA:
            if metadata[key]:
                events.append(SlotSet(key, metadata[key]))
        events.append(ActionExecuted("action_listen"))
        return events

"""Ask the question the form names next, in the words that suit the listener.

Rasa asks a form's slot with `action_ask_<slot>`; one small class per question is made
from the flows below, all doing the same thing: the engine picks the wording variant
(self or someone else, easy-read, telephone) and the choices to offer as buttons, and the
gateway is told which question it is, not left to guess from the words.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.flow_lookup import all_flows, answers_of, context_for, flow_for, state_of
from flows import engine
from flows.model import CARRY_ON, REVIEW
from flows.protocol import QuestionAsked
from flows.rasa_domain import slot_names


class AskQuestion(Action):
    """Ask one question; concrete subclasses name it."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        flow = flow_for(tracker)
        prompt = engine.prompt(
            flow, self.slot, answers_of(flow, tracker), state_of(tracker), context_for(tracker)
        )
        # The read-back and the offer to carry on are choices of their own.
        kind = REVIEW if self.slot in (REVIEW, CARRY_ON) else flow.question(self.slot).kind
        asked = QuestionAsked(id=self.slot, kind=kind, text=prompt.text, options=prompt.options)
        # One custom payload, not text and buttons: the REST channel would send text and a
        # custom payload as two messages, and the gateway needs the id with the words.
        dispatcher.utter_message(json_message=asked.to_payload())
        return []


def _ask_class(slot: str) -> type[AskQuestion]:
    class_name = "Ask" + "".join(part.title() for part in slot.split("_"))
    return type(class_name, (AskQuestion,), {"slot": slot})


# rasa_sdk registers every concrete Action subclass it finds when the package is imported.
ASK_ACTIONS = [_ask_class(slot) for slot in slot_names(all_flows())]

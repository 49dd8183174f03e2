"""Hand a finished referral to the gateway, which commits it before anyone is told "sent"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flow_lookup import last_flow
from flows import Flow, display_value

# The key the gateway looks for in a custom payload.
REFERRAL_PAYLOAD = "referral"
CONSENT_QUESTION = "consent_share"


class ActionSubmitReferral(Action):
    """Build the structured referral from the form's slots and pass it on."""

    def name(self) -> str:
        return "action_submit_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        flow = last_flow(tracker)
        if flow is None:
            dispatcher.utter_message(response="utter_default")
            return []
        reset = [SlotSet(question_id, None) for question_id in flow.question_ids]
        if tracker.get_slot(CONSENT_QUESTION) is False:
            dispatcher.utter_message(response="utter_referral_not_shared")
            return reset
        dispatcher.utter_message(json_message={REFERRAL_PAYLOAD: referral_payload(flow, tracker)})
        return reset


def referral_payload(flow: Flow, tracker: Tracker) -> dict[str, Any]:
    """Every answer with its question id, the wording asked, the label and a display form."""
    answers = []
    for question in flow.questions:
        value = tracker.get_slot(question.id)
        answers.append(
            {
                "question_id": question.id,
                "label": question.label,
                "prompt": question.ask,
                "kind": question.kind,
                "value": value,
                "display": display_value(question, value),
            }
        )
    return {"flow_id": flow.id, "flow_version": flow.version, "answers": answers}

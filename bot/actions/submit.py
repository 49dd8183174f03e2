"""Hand the end of a referral to the gateway, which commits it before anyone is told "sent".

Every ending goes the same way: a finished referral, one stopped half way (kept, marked
incomplete), or one that ended because the person is not eligible or did not agree to
share (the gateway keeps only what the team's configuration allows).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.flow_lookup import answers_of, context_for, flow_for, state_of
from flows.model import CARRY_ON, REVIEW
from flows.protocol import ReferralHandOver
from flows.rasa_domain import STATE_SLOT
from flows.record import referral_record


class ActionSubmitReferral(Action):
    """Build the structured referral from the form's slots and pass it on."""

    def name(self) -> str:
        return "action_submit_referral"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        flow = flow_for(tracker)
        state = state_of(tracker)
        answers = answers_of(flow, tracker)
        record = referral_record(flow, answers, state, context_for(tracker))
        dispatcher.utter_message(json_message=ReferralHandOver(record).to_payload())
        reset = [SlotSet(question_id, None) for question_id in flow.question_ids]
        return [*reset, SlotSet(REVIEW, None), SlotSet(CARRY_ON, None), SlotSet(STATE_SLOT, None)]

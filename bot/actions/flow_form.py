"""Validate every form answer with the flow's own parser, so all channels agree."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.flow_lookup import all_flows
from flows import AnswerError, Flow, parse_answer


class FlowFormValidation(FormValidationAction):
    """Validation for one flow's form; one concrete subclass per flow is made below."""

    @property
    @abstractmethod
    def flow(self) -> Flow:
        """The flow this form asks."""

    def name(self) -> str:
        return f"validate_{self.flow.form_name}"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = []
        for slot_name, raw in tracker.slots_to_validate().items():
            if slot_name not in self.flow.question_ids:
                continue
            question = self.flow.question(slot_name)
            try:
                answer = parse_answer(question, str(raw))
            except AnswerError:
                # Clear the slot so the form asks again, after the specific retry wording.
                dispatcher.utter_message(text=question.retry)
                events.append(SlotSet(slot_name, None))
                continue
            events.append(SlotSet(slot_name, answer.value))
        return events


def _make_validation_class(flow: Flow) -> type[FlowFormValidation]:
    class_name = "Validate" + "".join(part.title() for part in flow.form_name.split("_"))
    return type(class_name, (FlowFormValidation,), {"flow": flow})


# rasa_sdk registers every concrete Action subclass it finds when the package is imported.
FLOW_VALIDATIONS = [_make_validation_class(flow) for flow in all_flows().values()]

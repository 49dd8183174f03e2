"""The referral form's validation: every message goes through the flow engine.

Rasa keeps the answers in slots and asks what this action names next (`requested_slot`);
the engine decides what that is, parses the answer, and handles the controls the gateway
sends as intents (skip, back, repeat, why, start again, easy read, stop).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.digressions import digression_reply, nlu_risk
from actions.flow_lookup import answers_of, context_for, flow_for, metadata, state_of
from flows import engine
from flows.choices import names_exactly
from flows.model import CARRY_ON, REVIEW, Flow
from flows.navigation import age, perspective
from flows.protocol import PersonLearnt, ReferralHandOver, RiskFound, SituationLearnt
from flows.rasa_domain import FLOW_SLOT, FORM, STATE_SLOT
from flows.record import referral_record
from flows.state import ADDING, CONTROLS, DROPPED, SNAPSHOT, Step


def nobody_waits(tracker: Tracker) -> bool:
    """True when the gateway will have stopped waiting for this message before the turn
    ends (Rasa was slow, or an instance died holding the conversation's lock): the person
    is told the bot could not answer, and will send it again. `answer_by` already keeps
    time for the rest of the turn; the gateway and this server share a host, or a clock
    kept by NTP (docs/operations.md)."""
    answer_by = metadata(tracker).answer_by
    return bool(answer_by) and time.time() > answer_by


def answers_before(answers: dict[str, Any], asking: str | None) -> dict[str, Any]:
    """The answers without the open question's slot, which holds the raw text just sent."""
    return {k: (None if k == asking else v) for k, v in answers.items()}


class ValidateReferralForm(Action):
    """Walks the flow one message at a time."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        flow = flow_for(tracker)
        context = context_for(tracker)
        asking = tracker.get_slot("requested_slot")
        state = state_of(tracker)
        answers = answers_of(flow, tracker)
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        if intent == SNAPSHOT:
            # The call dropped: hand over what is answered, and keep the form where it was.
            partial = replace(state, outcome=DROPPED, ended_at_question=str(asking or ""))
            record = referral_record(flow, answers_before(answers, asking), partial, context)
            dispatcher.utter_message(json_message=ReferralHandOver(record).to_payload())
            keep = [SlotSet(asking, None)] if asking else []
            return [*keep, SlotSet("requested_slot", asking)]
        age_before = age(flow, answers_before(answers, asking), context.today)
        perspective_before = perspective(answers_before(answers, asking))
        if asking is None or state.outcome:
            step = engine.start(flow, context)
        elif tracker.get_slot(asking) != latest.get("text"):
            # On every ordinary turn the open question's slot holds the text just sent.
            # It does not when the form starts again with answers kept (a new Rasa
            # session after a day's silence): carry on from them; "hello" is no answer.
            step = engine.resume(flow, answers_before(answers, asking), state, context, asking)
        else:
            if nobody_waits(tracker):
                # Taken now as well as when it comes again, it would answer the next
                # question too: the question stays open, as it was.
                return [SlotSet(asking, None), SlotSet("requested_slot", asking)]
            if asking in answers:
                answers[asking] = None  # the slot holds the raw text just received
            text = str(latest.get("text") or "")
            control = intent if intent in CONTROLS else None
            aside = None if control else digression_reply(latest, asking, flow, text, context)
            if aside is not None:
                dispatcher.utter_message(response=aside)
                return [SlotSet(asking, None), SlotSet("requested_slot", asking)]
            risk = None if control or _is_a_choice(flow, asking, text) else nlu_risk(latest)
            if risk is not None:
                # The gateway's own detector missed it; Rasa's crisis intent is the second
                # net. The text is still taken as an answer: re-asking would only loop.
                dispatcher.utter_message(json_message=risk.to_payload())
            step = engine.receive(flow, answers, state, asking, text, control, context)
            given = step.answers.get(asking)
            if asking in metadata(tracker).watch and given is not None:
                # First, before the next question: "the custody team is working now".
                situation = SituationLearnt(asking, given)
                dispatcher.utter_message(json_message=situation.to_payload())
        for line in step.say:
            dispatcher.utter_message(text=line)
        if step.send:
            # The essentials were confirmed: the gateway commits them to the queue and
            # says "sent" before the offer to carry on is asked.
            record = referral_record(flow, step.answers, step.state, context)
            dispatcher.utter_message(json_message=ReferralHandOver(record).to_payload())
        elif _added_after_sending(step, asking):
            # Each later answer joins the sent referral as it comes: someone who goes
            # quiet half way leaves nothing only the bot knows.
            record = referral_record(flow, step.answers, step.state, context, outcome=ADDING)
            dispatcher.utter_message(json_message=ReferralHandOver(record).to_payload())
        for category, question_id in step.risks:
            found = RiskFound(category, source=question_id, perspective=perspective(step.answers))
            dispatcher.utter_message(json_message=found.to_payload())
        age_now = age(flow, step.answers, context.today)
        perspective_now = perspective(step.answers)
        if age_now != age_before or perspective_now != perspective_before:
            # The age decides whether a young person is also given Childline; the
            # perspective whether a check asks "you" or "the person you are referring".
            learnt = PersonLearnt(age_now, perspective_now)
            dispatcher.utter_message(json_message=learnt.to_payload())
        events: list[EventType] = [
            SlotSet(question_id, step.answers.get(question_id))
            for question_id in flow.question_ids
            if step.answers.get(question_id) != tracker.get_slot(question_id)
        ]
        # Only what changed: Rasa reads every event of the conversation again at each turn,
        # so a slot set again to the value it holds only makes every later turn slower.
        settled = {
            REVIEW: None,
            CARRY_ON: None,
            STATE_SLOT: step.state.to_dict(),
            FLOW_SLOT: flow.id,
        }
        events += [
            SlotSet(name, value)
            for name, value in settled.items()
            if tracker.get_slot(name) != value
        ]
        events.append(SlotSet("requested_slot", step.ask))
        return events


def _added_after_sending(step: Step, asking: str | None) -> bool:
    """An answer was just given to a question asked after sending, and more are to come
    (the last one is handed over with the end of the conversation)."""
    if not step.state.sent or step.state.outcome or asking in (None, REVIEW, CARRY_ON):
        return False
    return step.answers.get(str(asking)) is not None and step.ask != asking


def _is_a_choice(flow: Flow, asking: str, text: str) -> bool:
    # "Myself" or "me" pressed as a button once read to the intent model as a crisis; an
    # option's own name is an answer. The gateway's nets have read the text already.
    return flow.has(asking) and names_exactly(flow.question(asking).options, text)

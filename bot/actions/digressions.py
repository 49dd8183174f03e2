"""Questions asked in the middle of the form ("what is this service?"), and Rasa's crisis
intents as a second net under the gateway's risk detector.

A question about the service is answered by the gateway, from the team's own file (its
hours per pathway, office, crisis line): the bot only names the topic, through the
response `utter_info_<topic>` (a custom payload, `flows.protocol.InfoAsked`). Inside the
form the question just asked stays open, so Rasa asks it again after the answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from flows import AnswerError, Flow, parse_answer
from flows.model import REVIEW
from flows.protocol import NLU, RiskFound
from flows.rasa_responses import info_response
from flows.state import Context

# Digression intents, each with the topic (`flows.protocol.INFO_TOPICS`) the gateway
# answers; the rules outside the form map the same intents to the same responses.
DIGRESSIONS = {
    "faq_what_is_ld": "service",
    "faq_opening_hours": "hours",
    "faq_confidential": "confidential",
    "faq_is_this_a_crisis_line": "crisis_line",
    "faq_where_is_office": "office",
    "faq_support_how": "support_how",
    "faq_peer_support": "peer_support",
}
CRISIS_INTENTS = {
    "crisis_self": "self",
    "crisis_others": "others",
    "crisis_from_others": "from_others",
}
# Sure enough to set an answer aside; below this, the text is taken as an answer.
DIGRESSION_CONFIDENCE = 0.85
# Inside the form most messages are answers, some about offences: the gateway's two nets
# have already seen the text, so this third one acts only when the model is very sure.
CRISIS_CONFIDENCE = 0.95


def _intent(latest: dict[str, Any]) -> tuple[str, float]:
    found = latest.get("intent") or {}
    return str(found.get("name") or ""), float(found.get("confidence") or 0.0)


def digression_reply(
    latest: dict[str, Any], asking: str, flow: Flow, text: str, context: Context
) -> str | None:
    """The response to give instead of taking the text as an answer, if it is a question
    about the service and does not read as an answer to the open question."""
    name, confidence = _intent(latest)
    if name not in DIGRESSIONS or confidence < DIGRESSION_CONFIDENCE:
        return None
    if asking != REVIEW and flow.has(asking):
        question = flow.question(asking)
        if question.kind != "text":
            try:
                parse_answer(question, text, context.today)
                return None  # it is a good answer after all
            except AnswerError:
                pass
        elif not text.rstrip().endswith("?"):
            return None  # free text that is not a question is the answer
    return info_response(DIGRESSIONS[name])


def nlu_risk(latest: dict[str, Any]) -> RiskFound | None:
    """The risk found when Rasa is confident the message is a crisis intent."""
    name, confidence = _intent(latest)
    if name in CRISIS_INTENTS and confidence >= CRISIS_CONFIDENCE:
        # The intent says what the risk is, not whose words these are.
        return RiskFound(category=CRISIS_INTENTS[name], source=NLU)
    return None


class ActionFlagRisk(Action):
    """Outside a referral, a crisis intent hands the gateway a risk to act on."""

    def name(self) -> str:
        return "action_flag_risk"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        latest = dict(tracker.latest_message or {})
        # Outside a form the rule already chose this action: trust the intent.
        latest["intent"] = {**(latest.get("intent") or {}), "confidence": 1.0}
        risk = nlu_risk(latest)
        if risk is not None:
            dispatcher.utter_message(json_message=risk.to_payload())
        return []

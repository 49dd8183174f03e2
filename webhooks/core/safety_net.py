"""What the gateway says and records when a message shows risk (before, and without, Rasa)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from safety import RiskAssessment
from webhooks.core.alerts import queue_urgent_alerts
from webhooks.core.questions import QuestionBook
from webhooks.core.replies import Reply
from webhooks.db import checks, risks
from webhooks.db.models import Message
from webhooks.teams import Team
from webhooks.wording import Wording

log = logging.getLogger(__name__)
# Childline takes calls from anyone under 19, about harm to themselves or from others.
CHILDLINE_UNDER = 19
CHILDLINE_CATEGORIES = ("self", "from_others")


def crisis_replies(
    categories: Sequence[str], team: Team, wording: Wording, age: int | None = None
) -> list[Reply]:
    """The contacts for each category found, most urgent first, on any channel."""
    # Childline once, with the first category it serves: "my partner hits me and I want
    # to die" needs it said one time, not twice.
    first = next((c for c in categories if c in CHILDLINE_CATEGORIES), None)
    return [
        crisis_reply(category, team, wording, age if category == first else None)
        for category in categories
    ]


def crisis_reply(category: str, team: Team, wording: Wording, age: int | None) -> Reply:
    """The contacts for one category; Childline too for a young person at risk."""
    text = wording.say_for(team, f"crisis_{category}")
    if category in CHILDLINE_CATEGORIES and age is not None and age < CHILDLINE_UNDER:
        text = f"{text} {wording.say('crisis_young_person')}"
    return Reply(text, crisis=True)


def answer_risk(
    session: Session,
    message: Message,
    assessment: RiskAssessment,
    team: Team,
    wording: Wording,
    questions: QuestionBook,
    now: datetime,
) -> list[Reply]:
    """Record the risk, mark the referral urgent, give contacts, and offer to carry on.

    If the bot's last message asked a flow question (by its id), the form is still
    waiting for its answer, so it is asked again.
    """
    previous = checks.open_question(session, message.conversation_id)
    message.status = "answered"
    return act_on_risk(
        session,
        message,
        assessment.categories,
        assessment.evidence,
        Surroundings(team, wording, questions, now),
        previous,
    )


@dataclass(frozen=True)
class Surroundings:
    """What acting on risk needs besides the message: the team, the words, the clock."""

    team: Team
    wording: Wording
    questions: QuestionBook
    now: datetime


def act_on_risk(
    session: Session,
    message: Message,
    categories: Sequence[str],
    evidence: Sequence[str],
    around: Surroundings,
    previous: Message | None,
) -> list[Reply]:
    """Flag `message`, make the referral urgent (alerting the duty practitioner), and give
    the contacts for each category, then `previous`'s question again."""
    risks.add_risk_flags(session, message, categories, evidence, at=around.now)
    # A referral already sent in this conversation is now urgent: tell the duty practitioner.
    queue_urgent_alerts(session, message.conversation_id, around.team, around.now)
    # Category names only: never the words, which are personal data.
    log.warning("risk found (%s) in conversation %s", ",".join(categories), message.conversation_id)
    age = message.conversation.person_age
    replies = crisis_replies(categories, around.team, around.wording, age)
    replies.append(Reply(around.wording.say("crisis_urgent_note")))
    return replies + carry_on(previous, around.wording, around.questions)


def carry_on(previous: Message | None, wording: Wording, questions: QuestionBook) -> list[Reply]:
    """After an aside, the open question again (or how to start, if nothing was asked)."""
    # A flow question, or anything offered with choices, is still open.
    if previous is not None and (questions.asks(previous.question_id) or previous.options):
        # The person is mid-form: the same question is still waiting for its answer.
        labels = tuple((previous.options or {}).get("labels", ()))
        # The question in the bot's words, not an earlier "When you are ready" around it.
        asked = previous.question_as_asked()
        text = wording.say("carry_on", question=asked.body)
        return [Reply(text, labels, question_id=previous.question_id, asks_again=asked.id)]
    if previous is None:
        return [Reply(wording.say("carry_on_start"))]
    return []

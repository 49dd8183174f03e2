"""Check, then act: what the gateway does when only the learned net reads risk.

The rules name the words they act on, so what they find is acted on at once. The net
only guesses from word patterns, and a guess that pages the duty practitioner and sends
crisis lines to someone who asked about a bus teaches a team to ignore the page. So the
person is asked, kindly and directly, with the contacts in the same message: a yes, an
unclear answer or no answer at all is treated as risk; a no carries on with the form and
is kept as checked. Asking directly is what clinical guidance recommends.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from flows.answers import yes_or_no
from safety import RiskAssessment
from webhooks.core.alerts import queue_urgent_alerts
from webhooks.core.questions import QuestionBook
from webhooks.core.replies import Reply
from webhooks.core.safety_net import (
    CHILDLINE_CATEGORIES,
    CHILDLINE_UNDER,
    Surroundings,
    act_on_risk,
    carry_on,
)
from webhooks.db import checks, conversations, risks
from webhooks.db.models import Message, RiskCheck, as_utc
from webhooks.teams import Team, TeamDirectory
from webhooks.wording import Wording

log = logging.getLogger(__name__)
# The id the check's message is stored under: a question of the gateway's, not a flow's.
CHECK_QUESTION_ID = "risk_check"
# How long a check waits for its answer before it is treated as a yes. Long enough to
# read it and reply on a cheap phone; short enough that a person who went quiet after
# it reaches a practitioner within the quarter hour.
CHECK_WAIT = timedelta(minutes=15)
# Acting on an unanswered check asks nobody anything.
_NO_QUESTIONS = QuestionBook({})


def ask(
    session: Session,
    message: Message,
    category: str,
    evidence: tuple[str, ...],
    team: Team,
    wording: Wording,
    now: datetime,
) -> list[Reply]:
    """Record the check and ask it: the question, the contacts and a yes or no to choose."""
    previous = conversations.last_bot_question(session, message.conversation_id)
    checks.add_check(session, message, category, list(evidence), previous, now)
    message.status = "answered"
    # The category only: never the words.
    log.warning("risk check asked (%s) in conversation %s", category, message.conversation_id)
    text = wording.say_for(team, f"check_{category}")
    age = message.conversation.person_age
    if category in CHILDLINE_CATEGORIES and age is not None and age < CHILDLINE_UNDER:
        text = f"{text} {wording.say('crisis_young_person')}"
    return [Reply(text, _options(wording), question_id=CHECK_QUESTION_ID)]


def answer(
    session: Session, check: RiskCheck, message: Message, around: Surroundings
) -> list[Reply]:
    """The person's reply to an open check: a no carries on; anything else is acted on."""
    said = yes_or_no(message.body)
    given = "no" if said is False else "yes" if said is True else "unclear"
    checks.close_check(check, given, around.now, message)
    message.status = "answered"
    if given == "no":
        log.info("risk check answered no in conversation %s", message.conversation_id)
        thanks = Reply(around.wording.say("check_no"))
        return [thanks, *carry_on(check.resumes, around.wording, around.questions)]
    return _act(session, check, given, around)


def is_overdue(check: RiskCheck, now: datetime) -> bool:
    """Whether the check has waited longer than CHECK_WAIT for its answer."""
    return now - as_utc(check.asked_at) > CHECK_WAIT


def treat_as_unanswered(session: Session, check: RiskCheck, around: Surroundings) -> None:
    """No answer counts as yes: flag the message, make the referral urgent."""
    checks.close_check(check, "unanswered", around.now)
    _flag(session, check, "unanswered", around)


def expire_unanswered(
    session: Session, teams: TeamDirectory, wording: Wording, now: datetime
) -> int:
    """Treat every check that has waited too long as a yes (run by `triage alerts`);
    how many. The caller commits."""
    expired = 0
    for check in checks.unanswered_since(session, now - CHECK_WAIT):
        team = teams.by_id(check.message.conversation.team_id)
        if team is None:
            continue  # a team taken out of the configuration: its checks wait for it
        # The questions are not needed: nobody is answered here.
        treat_as_unanswered(session, check, Surroundings(team, wording, _NO_QUESTIONS, now))
        expired += 1
    return expired


def _act(session: Session, check: RiskCheck, given: str, around: Surroundings) -> list[Reply]:
    evidence = [*check.evidence.get("phrases", []), f"checked: {given}"]
    return act_on_risk(session, check.message, [check.category], evidence, around, check.resumes)


def _flag(session: Session, check: RiskCheck, given: str, around: Surroundings) -> None:
    evidence = [*check.evidence.get("phrases", []), f"checked: {given}"]
    risks.add_risk_flags(session, check.message, [check.category], evidence, at=around.now)
    queue_urgent_alerts(session, check.conversation_id, around.team, around.now)
    log.warning(
        "risk check not answered (%s) in conversation %s", check.category, check.conversation_id
    )


def _options(wording: Wording) -> tuple[str, str]:
    return (wording.say("check_option_yes"), wording.say("check_option_no"))


def settle_open_check(
    session: Session, message: Message, assessment: RiskAssessment, around: Surroundings
) -> list[Reply] | RiskAssessment:
    """Deal with a check still open when a message comes: the replies when the message
    answers it; otherwise the assessment to go on with (a check the rules' risk answers
    is added to it, and one that waited too long is acted on as unanswered)."""
    check = checks.open_check(session, message.conversation_id)
    if check is None:
        return assessment
    if is_overdue(check, around.now):
        treat_as_unanswered(session, check, around)
        return assessment
    if assessment.risk == "none":
        return answer(session, check, message, around)
    # Risk in the answer itself: the check is answered yes and acted on with it.
    checks.close_check(check, "yes", around.now, message)
    if check.category in assessment.categories:
        return assessment
    return replace(
        assessment,
        categories=(*assessment.categories, check.category),
        evidence=(*assessment.evidence, "checked: yes"),
    )


def acted_on_unasked(assessment: RiskAssessment) -> RiskAssessment:
    """What the net read, acted on: without the database no check can wait for its answer,
    and no answer counts as yes."""
    if assessment.ask is None or assessment.ask in assessment.categories:
        return assessment
    return replace(
        assessment,
        risk=assessment.risk if assessment.risk != "none" else assessment.ask,
        categories=(*assessment.categories, assessment.ask),
        evidence=(*assessment.evidence, "checked: not asked, the database was down"),
        ask=None,
    )

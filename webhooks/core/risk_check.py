"""Check, then act: what the gateway does when only the learned net reads risk.

The rules name the words they act on, so what they find is acted on at once. The net
only guesses from word patterns, and a guess that pages the duty practitioner and sends
crisis lines to someone who asked about a bus teaches a team to ignore the page. So the
person is asked, kindly and directly, with the contacts in the same message: a yes, an
unclear answer or no answer at all is treated as risk; only a plain no carries on with
the form, kept as checked. Asking directly is what clinical guidance recommends.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from flows.answers import yes_or_no
from flows.controls import normalise
from safety import RiskAssessment
from webhooks.core.alerts import queue_urgent_alerts
from webhooks.core.replies import Reply
from webhooks.core.safety_net import (
    CHILDLINE_CATEGORIES,
    CHILDLINE_UNDER,
    Surroundings,
    act_on_risk,
    carry_on,
    crisis_replies,
)
from webhooks.db import checks, conversations, risks
from webhooks.db.checks import CHECK_QUESTION_ID
from webhooks.db.models import Message, RiskCheck, as_utc
from webhooks.teams import Team, TeamDirectory
from webhooks.wording import Wording

__all__ = ["CHECK_QUESTION_ID", "CHECK_WAIT"]

log = logging.getLogger(__name__)
# How long a check waits for its answer before it is treated as a yes. Long enough to
# read it and reply on a cheap phone; short enough that a person who went quiet after
# it reaches a practitioner within the quarter hour.
CHECK_WAIT = timedelta(minutes=15)
# A reply to a check that waited too long is still its answer (never a form answer) if
# it comes within this long; later, the conversation starts afresh.
LATE_ANSWER_WINDOW = timedelta(hours=6)
# A no clears a check only when it is plainly a no: "no point anymore" and "nah im just
# done with everything" begin with no and are not one.
PLAIN_NO_WORDS = 5
# Words a yes/no question reads as yes that do not answer this one clearly.
_NOT_CLEARLY_YES = {"ok", "okay", "right", "sure", "agree", "i agree", "correct"}


def ask(
    session: Session,
    message: Message,
    category: str,
    evidence: tuple[str, ...],
    team: Team,
    wording: Wording,
    now: datetime,
) -> list[Reply]:
    """Record the check and ask it: the contacts, the question and a yes or no to choose."""
    previous = checks.open_question(session, message.conversation_id)
    checks.add_check(session, message, category, list(evidence), previous, now)
    message.status = "answered"
    # The category only: never the words.
    log.warning("risk check asked (%s) in conversation %s", category, message.conversation_id)
    # Someone referring another person is asked about that person, not themselves.
    about = "_other" if message.conversation.perspective == "other" else ""
    text = wording.say_for(team, f"check_{category}{about}")
    age = message.conversation.person_age
    if category in CHILDLINE_CATEGORIES and age is not None and age < CHILDLINE_UNDER:
        text = f"{wording.say('crisis_young_person')} {text}"
    return [Reply(text, _options(wording), question_id=CHECK_QUESTION_ID)]


def settle_open_check(
    session: Session, message: Message, assessment: RiskAssessment, around: Surroundings
) -> list[Reply] | RiskAssessment:
    """Deal with a check a message may answer: the replies when it answers one; otherwise
    the assessment to go on with (a check the rules' risk answers is added to it)."""
    check = checks.open_check(session, message.conversation_id)
    if check is not None and is_overdue(check, around.now):
        treat_as_unanswered(session, check, around)
    elif check is not None:
        return _answer_open(session, check, message, assessment, around)
    late = _late_check(session, message, around.now)
    if late is None or assessment.risk != "none":
        return assessment  # risk in a late answer is acted on as any risk is
    return _answer_late(late, message, assessment, around)


def is_overdue(check: RiskCheck, now: datetime) -> bool:
    """Whether the check has waited longer than CHECK_WAIT for its answer."""
    return now - as_utc(check.asked_at) > CHECK_WAIT


def treat_as_unanswered(session: Session, check: RiskCheck, around: Surroundings) -> None:
    """No answer counts as yes: flag the message, make the referral urgent."""
    if checks.close_check(session, check, "unanswered", around.now):
        _flag(session, check, "unanswered", around.team, around.now)


def expire_unanswered(session: Session, teams: TeamDirectory, now: datetime) -> int:
    """Treat every check that has waited too long as a yes (run by `triage alerts`);
    how many. The caller commits."""
    expired = 0
    for check in checks.unanswered_since(session, now - CHECK_WAIT):
        if not checks.close_check(session, check, "unanswered", now):
            continue  # answered at this very moment
        # A team taken out of the configuration cannot be alerted; its check is flagged.
        team = teams.by_id(check.message.conversation.team_id)
        _flag(session, check, "unanswered", team, now)
        expired += 1
    return expired


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


def _answer_open(
    session: Session,
    check: RiskCheck,
    message: Message,
    assessment: RiskAssessment,
    around: Surroundings,
) -> list[Reply] | RiskAssessment:
    if assessment.risk != "none":
        # Risk in the answer itself is acted on with it. A no to this check with risk of
        # another kind ("no, but my partner hits me") answers this one no.
        said = yes_or_no(message.body)
        given = "no" if said is False else "yes" if said else "unclear"
        closed = checks.close_check(session, check, given, around.now, message)
        if not closed or given == "no" or check.category in assessment.categories:
            return assessment
        return replace(
            assessment,
            categories=(*assessment.categories, check.category),
            evidence=(*assessment.evidence, f"checked: {given}"),
        )
    given = _given(message.body, assessment)
    if not checks.close_check(session, check, given, around.now, message):
        # The worker treated it as unanswered a moment ago: this reply is a late answer.
        return _answer_late(check, message, assessment, around)
    message.status = "answered"
    if given == "no":
        log.info("risk check answered no in conversation %s", message.conversation_id)
        thanks = Reply(around.wording.say("check_no"))
        return [thanks, *carry_on(check.resumes, around.wording, around.questions)]
    if given == "unclear":
        _flag(session, check, given, around.team, around.now)
        unsure = Reply(around.wording.say_for(around.team, "check_unclear"))
        return [unsure, *carry_on(check.resumes, around.wording, around.questions)]
    if message.conversation.perspective == "other":
        # About the person referred: urgent, and no "I am sorry you are feeling like this"
        # to the professional who answered.
        _flag(session, check, given, around.team, around.now)
        urgent = Reply(around.wording.say("crisis_urgent_note"))
        return [urgent, *carry_on(check.resumes, around.wording, around.questions)]
    evidence = [*check.evidence.get("phrases", []), f"checked: {given}"]
    return act_on_risk(session, check.message, [check.category], evidence, around, check.resumes)


def _answer_late(
    check: RiskCheck, message: Message, assessment: RiskAssessment, around: Surroundings
) -> list[Reply]:
    """An answer to a check already treated as unanswered (so already urgent): a no is
    thanked, anything else gets the contacts again; then the form carries on. Never a
    form answer."""
    message.status = "answered"
    wording = around.wording
    log.info("late answer to a risk check in conversation %s", message.conversation_id)
    if _given(message.body, assessment) == "no":
        replies = [Reply(wording.say("check_late_no"))]
    else:
        age = message.conversation.person_age
        replies = crisis_replies([check.category], around.team, wording, age)
        replies.append(Reply(wording.say("crisis_urgent_note")))
    return replies + carry_on(check.resumes, wording, around.questions)


def _late_check(session: Session, message: Message, now: datetime) -> RiskCheck | None:
    """The check the bot's last message asked, if it was treated as unanswered lately."""
    last = conversations.last_bot_question(session, message.conversation_id)
    check = checks.check_asked_in(session, last) if last is not None else None
    if check is None or check.answer != "unanswered":
        return None
    return check if now - as_utc(check.asked_at) < LATE_ANSWER_WINDOW else None


def _given(text: str, assessment: RiskAssessment) -> str:
    """ "yes", "no" or "unclear": a no only when it is plainly one and nothing in the reply
    reads as risk or concern; a yes only when it clearly answers this question."""
    said = yes_or_no(text)
    if said is False:
        plain = (
            assessment.ask is None
            and not assessment.concern
            and len(text.split()) <= PLAIN_NO_WORDS
        )
        return "no" if plain else "unclear"
    if said is True and normalise(text) not in _NOT_CLEARLY_YES:
        return "yes"
    return "unclear"


def _flag(session: Session, check: RiskCheck, given: str, team: Team | None, now: datetime) -> None:
    evidence = [*check.evidence.get("phrases", []), f"checked: {given}"]
    risks.add_risk_flags(session, check.message, [check.category], evidence, at=now)
    if team is not None:
        queue_urgent_alerts(session, check.conversation_id, team, now)
    log.warning(
        "risk check %s (%s) in conversation %s", given, check.category, check.conversation_id
    )


def _options(wording: Wording) -> tuple[str, str]:
    return (wording.say("check_option_yes"), wording.say("check_option_no"))

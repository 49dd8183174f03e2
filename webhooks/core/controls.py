"""Controls the gateway answers itself, because it knows the team, the hours and the
referrals: "talk to a person" (by text; a call is put through in the voice channel) and
"withdraw consent" (on any channel, for referrals made from the same number or browser).
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy.orm import Session

from webhooks.core.questions import QuestionBook
from webhooks.core.replies import Inbound, Reply
from webhooks.core.safety_net import carry_on
from webhooks.db import checks, referrals
from webhooks.db.models import Message
from webhooks.wording import Wording

PERSON, WITHDRAW = "control_person", "control_withdraw"
GATEWAY_CONTROLS = (PERSON, WITHDRAW)


def answer_control(
    session: Session,
    control: str,
    inbound: Inbound,
    message: Message,
    wording: Wording,
    now: datetime,
    questions: QuestionBook,
) -> list[Reply]:
    """The gateway's own answer, then the open question again."""
    team = inbound.team
    previous = checks.open_question(session, message.conversation_id)
    if control == WITHDRAW:
        keys = [
            inbound.contact_key,
            *([message.conversation.phone] if message.conversation.phone else []),
        ]
        count = referrals.withdraw_consents(session, team.id, keys, now)
        key = "consent_withdrawn" if count else "consent_nothing_to_withdraw"
        replies = [Reply(wording.say_for(team, key))]
    else:
        message.conversation.callback_requested = True
        if team.duty.phone and team.hours.is_open(now):
            replies = [
                Reply(wording.say_for(team, "person_in_hours", phone=_national(team.duty.phone)))
            ]
        else:
            replies = [Reply(wording.say_for(team, "person_call_back"))]
    message.status = "answered"
    # Mid-referral, the open question again; otherwise nothing more to say.
    return replies + (carry_on(previous, wording, questions) if previous is not None else [])


def _national(number: str) -> str:
    parsed = phonenumbers.parse(number, "GB")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

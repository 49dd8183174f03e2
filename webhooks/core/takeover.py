"""A practitioner takes a conversation over and writes to the person themselves.

In hours only (someone is there to answer). While they hold it the bot stays silent,
except the safety net: a message showing risk still gets the crisis contacts at once.
They hand it back when done; if they say nothing for HOLD_MINUTES, or the team closes, it
goes back to the bot by itself, with a note in the referral's history, and what the
person wrote meanwhile is listed for the team ("messages the bot could not answer").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from webhooks.core.alerts import TransportError, Transports
from webhooks.db import work
from webhooks.db.models import Conversation, Message, Referral, as_utc
from webhooks.db.work import Actor, Refused
from webhooks.teams import Team

log = logging.getLogger(__name__)
# How long a conversation stays with a practitioner after their last message.
HOLD_MINUTES = 30
# Channels a practitioner can write on: texts through Twilio, the web chat directly.
WRITABLE = frozenset({"sms", "whatsapp", "webchat"})


def is_held(conversation: Conversation, now: datetime) -> bool:
    """Whether a practitioner holds it now (a hold past its time has lapsed)."""
    return (
        conversation.held_by_key is not None
        and conversation.held_until is not None
        and as_utc(conversation.held_until) > now
    )


def take_over(
    session: Session,
    conversation: Conversation,
    referral: Referral | None,
    actor: Actor,
    team: Team,
    now: datetime,
) -> Refused | None:
    """Hold the conversation; refused out of hours, on a call, or if someone else has it."""
    if conversation.channel not in WRITABLE:
        return Refused("a call cannot be taken over; call the person back instead")
    if not team.hours.is_open(now):
        return Refused("the team is closed: taking over is for when someone can answer")
    # One conditional update: of two practitioners taking over at once, exactly one holds it.
    taken = session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation.id,
            or_(
                Conversation.held_by_key.is_(None),
                Conversation.held_by_key == actor.key,
                Conversation.held_until <= now,
            ),
        )
        .values(held_by_key=actor.key, held_by_name=actor.name, held_until=hold_until(team, now))
        .execution_options(synchronize_session=False)
    )
    session.refresh(conversation)
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return Refused("someone else is talking with the person", owner=conversation.held_by_name)
    if referral is not None:
        work.add_note(session, referral, actor, now, "Took the conversation over from the bot.")
    session.flush()
    return None


def hold_until(team: Team, now: datetime) -> datetime:
    """HOLD_MINUTES from now, but never past the team's closing time: after hours the bot
    answers again, so nobody writes to a practitioner who has gone home."""
    held = now + timedelta(minutes=HOLD_MINUTES)
    closes = team.hours.closes_at(now, team.hours.pickup) if team.hours.pickup else None
    return min(held, closes) if closes is not None else held


def draft(
    session: Session,
    conversation: Conversation,
    actor: Actor,
    text: str,
    team: Team,
    now: datetime,
) -> Message | Refused:
    """A message to the person from the practitioner holding the conversation, stored as
    "sending": commit it before `send`, so a crash mid-send never loses it."""
    if not is_held(conversation, now) or conversation.held_by_key != actor.key:
        return Refused("take the conversation over first", owner=conversation.held_by_name)
    message = Message(
        conversation_id=conversation.id,
        direction="out",
        body=text,
        author=actor.name,
        status="sending",
        created_at=now,
    )
    session.add(message)
    conversation.held_until = hold_until(team, now)
    session.flush()
    return message


def send(message: Message, conversation: Conversation, team: Team, transports: Transports) -> None:
    """Deliver a drafted message on the person's channel; "sent" only once Twilio has it
    (the web chat page fetches it itself), else "failed"."""
    if conversation.channel == "webchat":
        message.status = "sent"
        return
    to, sender = conversation.contact_key, team.numbers[0]
    if conversation.channel == "whatsapp":
        to, sender = f"whatsapp:{to}", f"whatsapp:{sender}"
    try:
        transports.send_sms(to, sender, message.body)
    except TransportError as error:
        message.status = "failed"
        log.error("a practitioner's message was not sent: %s", error.reason)
    else:
        message.status = "sent"


def hand_back(
    session: Session,
    conversation: Conversation,
    referral: Referral | None,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> Refused | None:
    """Give the conversation back to the bot, with a note of what was done."""
    if conversation.held_by_key is None:
        return Refused("nobody holds this conversation")
    if conversation.held_by_key != actor.key and is_held(conversation, now):
        return Refused("someone else is talking with the person", owner=conversation.held_by_name)
    _release(session, conversation, referral, actor, now, note or "Handed back to the bot.")
    return None


def lapse_if_due(
    session: Session, conversation: Conversation, referral: Referral | None, now: datetime
) -> None:
    """A hold whose time has passed goes back to the bot, with a note saying so."""
    if conversation.held_by_key is None or is_held(conversation, now):
        return
    holder = Actor(conversation.held_by_key, conversation.held_by_name or "A practitioner")
    note = "Handed back to the bot: no message from them in time, or the team closed."
    _release(session, conversation, referral, holder, now, note)
    # What the person wrote meanwhile had no answer: list it for the team to see.
    for message in session.scalars(
        select(Message).where(Message.conversation_id == conversation.id, Message.status == "held")
    ):
        message.status = "pending"
    session.flush()


def _release(
    session: Session,
    conversation: Conversation,
    referral: Referral | None,
    actor: Actor,
    now: datetime,
    note: str,
) -> None:
    conversation.held_by_key = conversation.held_by_name = conversation.held_until = None
    if referral is not None:
        work.add_note(session, referral, actor, now, note)
    session.flush()

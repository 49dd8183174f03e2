"""Conversations and their messages. Each function takes the session first and never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.crypto import lookup_hash
from webhooks.db.models import Conversation, Message, Referral, utcnow


def find_or_open_conversation(
    session: Session, team_id: str, channel: str, contact_key: str
) -> Conversation:
    """The latest conversation for this contact on this channel and team, or a new one."""
    conversation = find_conversation(session, team_id, channel, contact_key)
    if conversation is None:
        conversation = Conversation(
            id=str(uuid.uuid4()), team_id=team_id, channel=channel, contact_key=contact_key
        )
        session.add(conversation)
        session.flush()
    return conversation


def lock_conversation(session: Session, conversation_id: str) -> None:
    """Hold the conversation's row until the transaction ends (PostgreSQL; on SQLite the
    write lock the transaction began with already holds everything), so a count taken
    next stays true until what depends on it is committed."""
    session.execute(
        select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
    )


def find_conversation(
    session: Session, team_id: str, channel: str, contact_key: str
) -> Conversation | None:
    """The latest conversation for this contact, without opening one."""
    return session.scalars(
        select(Conversation)
        .where(
            Conversation.team_id == team_id,
            Conversation.channel == channel,
            Conversation.contact_hash == lookup_hash(contact_key),
        )
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    ).first()


def recent_unfinished_call(
    session: Session, team_id: str, phone: str, since: datetime
) -> Conversation | None:
    """A call from this number since `since` that ended before its referral was sent.

    Only an ended call counts: two calls at once from one number stay apart.
    """
    return session.scalars(
        select(Conversation)
        .where(
            Conversation.team_id == team_id,
            Conversation.channel == "voice",
            Conversation.phone_hash == lookup_hash(phone),
            Conversation.interrupted_at.is_not(None),
            Conversation.updated_at >= since,
            ~select(Referral.id)
            .where(Referral.conversation_id == Conversation.id, Referral.complete.is_(True))
            .exists(),
        )
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    ).first()


def last_message_at(session: Session, conversation_id: str) -> datetime | None:
    """When anything was last said in this conversation, if ever."""
    return session.scalars(
        select(Message.created_at)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(1)
    ).first()


def last_inbound(session: Session, conversation_id: str) -> Message | None:
    """What the person said last in this conversation."""
    return session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    ).first()


def message_by_external_id(session: Session, external_id: str) -> Message | None:
    """An inbound message already received under this provider id (a retried delivery)."""
    return session.scalars(select(Message).where(Message.external_id == external_id)).first()


def add_inbound(
    session: Session,
    conversation: Conversation,
    body: str,
    external_id: str | None,
    at: datetime | None = None,
) -> Message:
    """Record what a person sent (at `at`, default now: TRIAGE_NOW pins the clock)."""
    moment = at or utcnow()
    message = Message(
        conversation_id=conversation.id,
        direction="in",
        body=body,
        external_id=external_id,
        created_at=moment,
    )
    session.add(message)
    conversation.updated_at = moment
    session.flush()
    return message


def add_outbound(
    session: Session,
    inbound: Message,
    body: str,
    options: Sequence[str] = (),
    at: datetime | None = None,
    question_id: str | None = None,
    asks_again_id: int | None = None,
) -> Message:
    """Record what the bot answered to an inbound message (and the question it asks)."""
    message = Message(
        conversation_id=inbound.conversation_id,
        direction="out",
        body=body,
        options={"labels": list(options)} if options else None,
        question_id=question_id,
        asks_again_id=asks_again_id,
        reply_to_id=inbound.id,
        created_at=at or utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def replies_to(session: Session, inbound: Message) -> list[Message]:
    """The bot's answers to one inbound message, in order."""
    return list(
        session.scalars(
            select(Message).where(Message.reply_to_id == inbound.id).order_by(Message.id)
        )
    )


def last_bot_question(session: Session, conversation_id: str) -> Message | None:
    """The bot's most recent message in a conversation (to ask it again)."""
    return session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    ).first()

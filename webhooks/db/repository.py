"""Small functions over the models. Each takes the session first and never commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webhooks.db.models import (
    ApiToken,
    Consent,
    Conversation,
    Message,
    OptOut,
    Practitioner,
    Referral,
    ReferralAnswer,
    RiskFlag,
    utcnow,
)

# No 0/O or 1/I: a reference is read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


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


def find_conversation(
    session: Session, team_id: str, channel: str, contact_key: str
) -> Conversation | None:
    """The latest conversation for this contact, without opening one."""
    return session.scalars(
        select(Conversation)
        .where(
            Conversation.team_id == team_id,
            Conversation.channel == channel,
            Conversation.contact_key == contact_key,
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
            Conversation.phone == phone,
            Conversation.interrupted_at.is_not(None),
            Conversation.updated_at >= since,
            ~select(Referral.id)
            .where(Referral.conversation_id == Conversation.id, Referral.status != "incomplete")
            .exists(),
        )
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    ).first()


def has_referral(session: Session, conversation_id: str) -> bool:
    """Whether a referral was sent from this conversation (not just kept as incomplete)."""
    found = session.scalars(
        select(Referral.id)
        .where(Referral.conversation_id == conversation_id, Referral.status != "incomplete")
        .limit(1)
    ).first()
    return found is not None


def incomplete_referral(session: Session, conversation_id: str) -> Referral | None:
    """The referral kept from this conversation when it stopped part way, if any."""
    return session.scalars(
        select(Referral).where(
            Referral.conversation_id == conversation_id, Referral.status == "incomplete"
        )
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
) -> Message:
    """Record what the bot answered to an inbound message."""
    message = Message(
        conversation_id=inbound.conversation_id,
        direction="out",
        body=body,
        options={"labels": list(options)} if options else None,
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


def create_referral(
    session: Session,
    conversation: Conversation,
    payload: dict[str, Any],
    at: datetime | None = None,
) -> Referral:
    """Store a referral with every answer: finished (in the queue) or stopped (incomplete)."""
    moment = at or utcnow()
    complete = payload.get("complete", True) is not False
    # A referral kept part way (a dropped call) is completed in place, keeping its reference.
    referral = incomplete_referral(session, conversation.id) or Referral(
        reference=new_reference(), conversation_id=conversation.id
    )
    referral.answers.clear()
    referral.consents.clear()
    referral.submitted_at = moment
    referral.team_id = conversation.team_id
    referral.channel = conversation.channel
    referral.flow_id = str(payload["flow_id"])
    referral.flow_version = int(payload["flow_version"])
    referral.status = "new" if complete else "incomplete"
    referral.outcome = str(payload.get("outcome") or ("complete" if complete else "stopped"))
    referral.perspective = payload.get("perspective")
    referral.scores = {"scores": list(payload["scores"])} if payload.get("scores") else None
    # Risk shown at any point of the conversation makes the referral urgent.
    referral.urgent = has_risk_flags(session, conversation.id)
    for position, answer in enumerate(payload["answers"]):
        referral.answers.append(
            ReferralAnswer(
                position=position,
                question_id=str(answer["question_id"]),
                kind=str(answer["kind"]),
                label=str(answer["label"]),
                prompt=str(answer["prompt"]),
                value={"v": answer.get("value")},
                display=str(answer.get("display") or ""),
                skipped=bool(answer.get("skipped")),
                section=answer.get("section") or None,
                answered_at=_moment(answer.get("answered_at")) or moment,
            )
        )
    for consent in payload.get("consents") or []:
        referral.consents.append(
            Consent(
                recipient=str(consent["recipient"]),
                given=bool(consent["given"]),
                given_at=_moment(consent.get("at")) or moment,
            )
        )
    session.add(referral)
    session.flush()
    return referral


def discard_incomplete(session: Session, conversation_id: str) -> bool:
    """Delete a referral kept part way (the person then declined, or cannot be helped)."""
    kept = incomplete_referral(session, conversation_id)
    if kept is None:
        return False
    session.delete(kept)
    session.flush()
    return True


def _moment(value: object) -> datetime | None:
    """An ISO-8601 time from the action server, or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def withdraw_consents(session: Session, team_id: str, keys: Sequence[str], at: datetime) -> int:
    """Withdraw every consent still given on referrals made from these contact keys or
    phone numbers (a text can withdraw what a call gave); return how many."""
    consents = session.scalars(
        select(Consent)
        .join(Referral, Consent.referral_id == Referral.id)
        .join(Conversation, Referral.conversation_id == Conversation.id)
        .where(
            Conversation.team_id == team_id,
            Conversation.contact_key.in_(keys) | Conversation.phone.in_(keys),
            Consent.given.is_(True),
            Consent.withdrawn_at.is_(None),
        )
    ).all()
    for consent in consents:
        consent.withdrawn_at = at
    session.flush()
    return len(consents)


def add_risk_flags(
    session: Session,
    message: Message,
    categories: Sequence[str],
    phrases: Sequence[str],
    at: datetime | None = None,
) -> list[RiskFlag]:
    """Record the risk found in a message, and make the conversation's referral urgent."""
    flags = [
        RiskFlag(
            conversation_id=message.conversation_id,
            message_id=message.id,
            category=category,
            evidence={"phrases": list(phrases)},
            created_at=at or utcnow(),
        )
        for category in categories
    ]
    session.add_all(flags)
    for referral in session.scalars(
        select(Referral).where(Referral.conversation_id == message.conversation_id)
    ):
        referral.urgent = True
    session.flush()
    return flags


def has_risk_flags(session: Session, conversation_id: str) -> bool:
    """Whether the safety net has found risk anywhere in this conversation."""
    found = session.scalars(
        select(RiskFlag.id).where(RiskFlag.conversation_id == conversation_id).limit(1)
    ).first()
    return found is not None


def risk_flags_for(session: Session, conversation_id: str) -> list[RiskFlag]:
    """Every risk flag in a conversation, oldest first, with its message."""
    return list(
        session.scalars(
            select(RiskFlag)
            .where(RiskFlag.conversation_id == conversation_id)
            .options(selectinload(RiskFlag.message))
            .order_by(RiskFlag.id)
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


def new_reference() -> str:
    """A short reference a person can read out, e.g. LD-7K3QPX."""
    return "LD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def list_referrals(
    session: Session, team_id: str | None, limit: int = 200, status: str | None = None
) -> list[Referral]:
    """Referrals for one team (or all), urgent first, then oldest first.

    Without a status, the queue: every referral except those stopped part way.
    """
    query = select(Referral).options(selectinload(Referral.answers))
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    if status is None:
        query = query.where(Referral.status != "incomplete")
    else:
        query = query.where(Referral.status == status)
    query = query.order_by(Referral.urgent.desc(), Referral.submitted_at, Referral.id).limit(limit)
    return list(session.scalars(query))


def get_referral(session: Session, referral_id: int, team_id: str | None) -> Referral | None:
    """One referral, only if it belongs to the team (None = any team)."""
    referral = session.get(Referral, referral_id, options=[selectinload(Referral.answers)])
    if referral is None or (team_id is not None and referral.team_id != team_id):
        return None
    return referral


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked table does not leak working tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, team_id: str) -> str:
    """Make a token for one team; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(team_id=team_id, token_hash=hash_token(token)))
    session.flush()
    return token


def team_for_token(session: Session, token: str) -> str | None:
    """The team a live token belongs to, or None."""
    row = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    return row.team_id if row else None


def practitioner_by_email(session: Session, email: str) -> Practitioner | None:
    """The practitioner with this email (case-insensitive), if any."""
    return session.scalars(
        select(Practitioner).where(Practitioner.email == email.strip().lower())
    ).first()


def upsert_practitioner(
    session: Session, email: str, name: str, password_hash: str, team_id: str | None
) -> Practitioner:
    """Create a practitioner, or reset the name, password and team of an existing one."""
    practitioner = practitioner_by_email(session, email)
    if practitioner is None:
        practitioner = Practitioner(email=email.strip().lower())
        session.add(practitioner)
    practitioner.name = name
    practitioner.password_hash = password_hash
    practitioner.team_id = team_id
    session.flush()
    return practitioner


def _opt_out(session: Session, team_id: str, channel: str, contact_key: str) -> OptOut | None:
    return session.scalars(
        select(OptOut).where(
            OptOut.team_id == team_id,
            OptOut.channel == channel,
            OptOut.contact_key == contact_key,
        )
    ).first()


def is_opted_out(session: Session, team_id: str, channel: str, contact_key: str) -> bool:
    """Whether this number has texted STOP to this team (and not START since)."""
    row = _opt_out(session, team_id, channel, contact_key)
    return row is not None and row.opted_out


def set_opted_out(
    session: Session, team_id: str, channel: str, contact_key: str, opted_out: bool, at: datetime
) -> None:
    """Record STOP (True) or START (False) from a number."""
    row = _opt_out(session, team_id, channel, contact_key)
    if row is None:
        row = OptOut(team_id=team_id, channel=channel, contact_key=contact_key)
        session.add(row)
    row.opted_out = opted_out
    row.changed_at = at
    session.flush()

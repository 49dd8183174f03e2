"""Referrals, their answers and consents.

Each function takes the session first and never commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webhooks.db.models import Consent, Conversation, Referral, ReferralAnswer, utcnow
from webhooks.db.risks import has_risk_flags
from webhooks.time_critical import reasons_for

# No 0/O or 1/I: a reference is read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


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
    given = {
        str(answer["question_id"]): answer.get("value")
        for answer in payload["answers"]
        if not answer.get("skipped")
    }
    reasons = reasons_for(given, moment) if complete else []
    referral.time_critical = bool(reasons)
    referral.time_critical_reasons = {"reasons": reasons} if reasons else None
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


def new_reference() -> str:
    """A short reference a person can read out, e.g. LD-7K3QPX."""
    return "LD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def list_referrals(
    session: Session, team_id: str | None, limit: int = 200, status: str | None = None
) -> list[Referral]:
    """Referrals for one team (or all): urgent first, then time-critical, then oldest first.

    Without a status, the queue: every referral except those stopped part way.
    """
    query = select(Referral).options(selectinload(Referral.answers))
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    if status is None:
        query = query.where(Referral.status != "incomplete")
    else:
        query = query.where(Referral.status == status)
    query = query.order_by(
        Referral.urgent.desc(), Referral.time_critical.desc(), Referral.submitted_at, Referral.id
    ).limit(limit)
    return list(session.scalars(query))


def get_referral(session: Session, referral_id: int, team_id: str | None) -> Referral | None:
    """One referral, only if it belongs to the team (None = any team)."""
    referral = session.get(Referral, referral_id, options=[selectinload(Referral.answers)])
    if referral is None or (team_id is not None and referral.team_id != team_id):
        return None
    return referral

"""Conversations with no referral that a practitioner should still look at."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import Conversation, Message, Referral, RiskFlag


@dataclass(frozen=True)
class FollowUp:
    """A conversation with no referral that a practitioner should still look at, and why."""

    conversation: Conversation
    reasons: tuple[str, ...]  # "risk", "callback", "interrupted", "pending"


def follow_ups(session: Session, team_id: str | None) -> list[FollowUp]:
    """Conversations without a referral that showed risk, asked for a call back, ended
    mid-call, or hold messages the bot could not answer. Risk first, then oldest first."""
    no_referral = ~select(Referral.id).where(Referral.conversation_id == Conversation.id).exists()
    risky = select(RiskFlag.id).where(RiskFlag.conversation_id == Conversation.id).exists()
    pending = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.status == "pending")
        .exists()
    )
    query = select(Conversation, risky, pending).where(
        no_referral,
        risky
        | pending
        | Conversation.callback_requested
        | Conversation.interrupted_at.is_not(None),
    )
    if team_id is not None:
        query = query.where(Conversation.team_id == team_id)
    found = []
    for conversation, has_risk, has_pending in session.execute(
        query.order_by(Conversation.created_at)
    ):
        reasons = [
            reason
            for reason, present in (
                ("risk", has_risk),
                ("callback", conversation.callback_requested),
                ("interrupted", conversation.interrupted_at is not None),
                ("pending", has_pending),
            )
            if present
        ]
        found.append(FollowUp(conversation, tuple(reasons)))
    return sorted(found, key=lambda item: "risk" not in item.reasons)


def transcript(session: Session, conversation_id: str) -> list[Message]:
    """Every message in a conversation, in order."""
    return list(
        session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    )

"""Conversations with no referral that a practitioner should still look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import Alert, Conversation, Message, Referral, RiskFlag
from webhooks.db.retention import INELIGIBLE
from webhooks.db.work import Actor


@dataclass(frozen=True)
class FollowUp:
    """A conversation a practitioner should look at beyond its referral, and why."""

    conversation: Conversation
    reasons: tuple[str, ...]  # "risk", "callback", "interrupted", "pending"
    # The referral made from it, if any: then only what the referral does not show
    # (a call back asked, messages the bot could not answer) puts it here.
    referral_id: int | None = None


def follow_ups(
    session: Session, team_id: str | None, conversation_id: str | None = None
) -> list[FollowUp]:
    """Conversations without a referral that showed risk, asked for a call back, ended
    mid-call, or hold messages the bot could not answer; and conversations with an open
    referral that asked for a call back or hold such messages since. Risk first, then
    oldest first. Closed ones ("followed up") are left out."""
    # What an ineligible ending kept (a team's keep_when_ineligible) is no referral: a
    # person found ineligible who showed risk is followed up as anyone without one is.
    a_referral = (Referral.conversation_id == Conversation.id, Referral.status != INELIGIBLE)
    referral_id = (
        select(Referral.id)
        .where(*a_referral, Referral.status != "closed")
        .order_by(Referral.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    any_referral = select(Referral.id).where(*a_referral).exists()
    risky = select(RiskFlag.id).where(RiskFlag.conversation_id == Conversation.id).exists()
    pending = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.status == "pending")
        .exists()
    )
    without_referral = ~any_referral & (
        risky | pending | Conversation.callback_requested | Conversation.interrupted_at.is_not(None)
    )
    beside_referral = referral_id.is_not(None) & (pending | Conversation.callback_requested)
    query = select(Conversation, risky, pending, referral_id).where(
        Conversation.followed_up_at.is_(None), without_referral | beside_referral
    )
    if team_id is not None:
        query = query.where(Conversation.team_id == team_id)
    if conversation_id is not None:
        query = query.where(Conversation.id == conversation_id)
    found = []
    for conversation, has_risk, has_pending, referral in session.execute(
        query.order_by(Conversation.created_at)
    ):
        shown = (
            ("risk", has_risk and referral is None),
            ("callback", conversation.callback_requested),
            ("interrupted", conversation.interrupted_at is not None and referral is None),
            ("pending", has_pending),
        )
        reasons = tuple(reason for reason, present in shown if present)
        found.append(FollowUp(conversation, reasons, referral))
    return sorted(found, key=lambda item: "risk" not in item.reasons)


def close_follow_up(
    session: Session, conversation: Conversation, actor: Actor, now: datetime, note: str
) -> None:
    """A practitioner has followed the person up: off the list, its duty alerts stopped,
    with who, when and what they did."""
    conversation.followed_up_at = now
    conversation.followed_up_by = actor.name
    conversation.follow_up_note = note.strip() or None
    for alert in session.scalars(
        select(Alert).where(Alert.conversation_id == conversation.id, Alert.status == "pending")
    ):
        alert.status = "acknowledged"
    session.flush()


def transcript(session: Session, conversation_id: str) -> list[Message]:
    """Every message in a conversation, in order."""
    return list(
        session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    )

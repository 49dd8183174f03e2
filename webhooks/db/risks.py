"""Risk flags on messages, and the urgent alerts they raise.

Each function takes the session first and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from webhooks.db.models import Alert, Conversation, Message, Referral, RiskFlag, utcnow


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
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is not None and conversation.followed_up_at is not None:
        # New risk after someone followed the person up: they must look again.
        conversation.followed_up_at = None
    session.flush()
    return flags


def message_is_flagged(session: Session, message_id: int) -> bool:
    """Whether risk has been recorded on this message already."""
    found = session.scalars(
        select(RiskFlag.id).where(RiskFlag.message_id == message_id).limit(1)
    ).first()
    return found is not None


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


def urgent_unacknowledged(session: Session, conversation_id: str) -> list[Referral]:
    """The conversation's urgent or time-critical referrals that no practitioner has
    acknowledged yet: each alerts the duty practitioner."""
    return list(
        session.scalars(
            select(Referral).where(
                Referral.conversation_id == conversation_id,
                or_(Referral.urgent.is_(True), Referral.time_critical.is_(True)),
                Referral.acknowledged_at.is_(None),
            )
        )
    )


def conversation_needs_alert(session: Session, conversation_id: str) -> bool:
    """Risk was shown, no referral exists, nobody has followed it up (since the last risk),
    and no alert is under way: the duty practitioner must hear of the person all the same."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.followed_up_at is not None:
        return False
    if not has_risk_flags(session, conversation_id):
        return False
    has_referral = select(Referral.id).where(Referral.conversation_id == conversation_id)
    queued = select(Alert.id).where(
        Alert.conversation_id == conversation_id, Alert.status == "pending"
    )
    return session.scalars(has_referral.union_all(queued).limit(1)).first() is None


def hand_alerts_to_referral(session: Session, conversation_id: str, referral_id: int) -> bool:
    """Alerts still under way for the person from before the referral existed now belong
    to it (its page is where the practitioner acknowledges them); whether there were any."""
    raised = session.scalars(
        select(Alert).where(
            Alert.conversation_id == conversation_id,
            Alert.referral_id.is_(None),
            # One stopped or given up stays with the conversation: the referral gets its own.
            Alert.status == "pending",
        )
    ).all()
    for alert in raised:
        alert.referral_id = referral_id
    session.flush()
    return bool(raised)


def has_alerts(session: Session, referral_id: int) -> bool:
    """Whether alerts were ever queued for this referral."""
    return (
        session.scalars(select(Alert.id).where(Alert.referral_id == referral_id)).first()
        is not None
    )


def due_alerts(session: Session, now: datetime) -> list[Alert]:
    """Pending alerts whose time has come, oldest first."""
    due = select(Alert).where(Alert.status == "pending", Alert.next_attempt_at <= now)
    if session.get_bind().dialect.name == "postgresql":
        # Two alert workers never send the same alert twice.
        due = due.with_for_update(skip_locked=True)
    return list(session.scalars(due.order_by(Alert.id)).all())


def alerts_for(session: Session, referral_id: int) -> list[Alert]:
    """Every alert queued for one referral."""
    return list(session.scalars(select(Alert).where(Alert.referral_id == referral_id)))


def alerts_by_referral(session: Session, referral_ids: Sequence[int]) -> dict[int, list[Alert]]:
    """The alerts of each of these referrals, oldest first."""
    found: dict[int, list[Alert]] = {}
    if not referral_ids:
        return found
    query = select(Alert).where(Alert.referral_id.in_(referral_ids)).order_by(Alert.id)
    for alert in session.scalars(query):
        if alert.referral_id is not None:  # always, by the query; said for the type
            found.setdefault(alert.referral_id, []).append(alert)
    return found


def alert_by_provider_id(session: Session, provider_id: str) -> Alert | None:
    """The alert whose last try Twilio knows by this Message SID."""
    return session.scalars(select(Alert).where(Alert.provider_id == provider_id)).first()


def alert_counts(session: Session, failing_after_attempts: int) -> tuple[int, int, int]:
    """Alerts pending, failed, and failing for a referral nobody has acknowledged.

    Failing: given up on, or still pending with `failing_after_attempts` or more tries
    and the last one failed (a sent alert clears `last_error`).
    """
    failing = or_(
        Alert.status == "failed",
        and_(
            Alert.status == "pending",
            Alert.attempts >= failing_after_attempts,
            Alert.last_error.is_not(None),
        ),
    )
    # Nobody has it yet: its referral is not acknowledged, or, with no referral, its
    # conversation is not followed up.
    unhandled = or_(
        and_(Alert.referral_id.is_not(None), Referral.acknowledged_at.is_(None)),
        and_(Alert.referral_id.is_(None), Conversation.followed_up_at.is_(None)),
    )
    query = (
        select(
            func.count().filter(Alert.status == "pending"),
            func.count().filter(Alert.status == "failed"),
            func.count().filter(and_(failing, unhandled)),
        )
        .select_from(Alert)
        .outerjoin(Referral, Referral.id == Alert.referral_id)
        .outerjoin(Conversation, Conversation.id == Alert.conversation_id)
    )
    pending, failed, failing_count = session.execute(query).one()
    return int(pending), int(failed), int(failing_count)

"""Risk flags on messages, and the urgent alerts they raise.

Each function takes the session first and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from webhooks.db.models import Alert, Message, Referral, RiskFlag, utcnow


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
    query = (
        select(
            func.count().filter(Alert.status == "pending"),
            func.count().filter(Alert.status == "failed"),
            func.count().filter(and_(failing, Referral.acknowledged_at.is_(None))),
        )
        .select_from(Alert)
        .join(Referral, Referral.id == Alert.referral_id)
    )
    pending, failed, failing_count = session.execute(query).one()
    return int(pending), int(failed), int(failing_count)

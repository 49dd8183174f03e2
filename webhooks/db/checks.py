"""Checks asked when only the learned net saw risk, and their answers.

Each function takes the session first and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import Message, RiskCheck


def add_check(
    session: Session,
    message: Message,
    category: str,
    evidence: list[str],
    resumes: Message | None,
    at: datetime,
) -> RiskCheck:
    """Record that the person is being asked about `category`, raised by `message`."""
    check = RiskCheck(
        conversation_id=message.conversation_id,
        message_id=message.id,
        category=category,
        evidence={"phrases": evidence},
        resumes_id=resumes.id if resumes is not None else None,
        asked_at=at,
    )
    session.add(check)
    session.flush()
    return check


def open_check(session: Session, conversation_id: str) -> RiskCheck | None:
    """The conversation's check still waiting for an answer, if any (the latest)."""
    return session.scalars(
        select(RiskCheck)
        .where(RiskCheck.conversation_id == conversation_id, RiskCheck.answer.is_(None))
        .order_by(RiskCheck.id.desc())
        .limit(1)
    ).first()


def close_check(
    check: RiskCheck, answer: str, at: datetime, answered_by: Message | None = None
) -> None:
    """Record the answer ("yes", "no", "unclear" or "unanswered")."""
    check.answer = answer
    check.answered_at = at
    check.answer_id = answered_by.id if answered_by is not None else None


def unanswered_since(session: Session, before: datetime, limit: int = 100) -> list[RiskCheck]:
    """Open checks asked before `before`, oldest first, locked where the database can."""
    return list(
        session.scalars(
            select(RiskCheck)
            .where(RiskCheck.answer.is_(None), RiskCheck.asked_at < before)
            .order_by(RiskCheck.asked_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def checks_for(session: Session, conversation_id: str) -> list[RiskCheck]:
    """Every check in a conversation, oldest first."""
    return list(
        session.scalars(
            select(RiskCheck)
            .where(RiskCheck.conversation_id == conversation_id)
            .order_by(RiskCheck.id)
        )
    )

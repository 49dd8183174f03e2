"""Checks asked when only the learned net saw risk, and their answers.

Each function takes the session first and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from webhooks.db.conversations import last_bot_question
from webhooks.db.models import Message, RiskCheck

# The id a check's own message is stored under: a question of the gateway's, not a flow's.
CHECK_QUESTION_ID = "risk_check"


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
    session: Session,
    check: RiskCheck,
    answer: str,
    at: datetime,
    answered_by: Message | None = None,
) -> bool:
    """Record the answer ("yes", "no", "unclear" or "unanswered") if the check is still
    open; False when another request or the worker closed it first (it is then reloaded).

    One conditional UPDATE: a reply and the worker's expiry at the same moment cannot
    both close it.
    """
    result = session.execute(
        update(RiskCheck)
        .where(RiskCheck.id == check.id, RiskCheck.answer.is_(None))
        .values(
            answer=answer,
            answered_at=at,
            answer_id=answered_by.id if answered_by is not None else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(check)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def check_asked_in(session: Session, asked: Message) -> RiskCheck | None:
    """The check a stored bot message asked; None if it asked none."""
    if asked.question_id != CHECK_QUESTION_ID or asked.reply_to_id is None:
        return None
    return session.scalars(
        select(RiskCheck)
        .where(RiskCheck.message_id == asked.reply_to_id)
        .order_by(RiskCheck.id.desc())
        .limit(1)
    ).first()


def open_question(session: Session, conversation_id: str) -> Message | None:
    """The bot's message still waiting for an answer, to ask again: its last message,
    unless that is a check already answered, when the form's question it interrupted is."""
    last = last_bot_question(session, conversation_id)
    if last is None:
        return None
    check = check_asked_in(session, last)
    if check is None or check.answer is None:
        return last
    return check.resumes


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

"""What a web chat upload is checked against: the question the bot last asked, and the
files the conversation holds already. Each function takes the session first and never
commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webhooks.db.checks import check_asked_in
from webhooks.db.models import Document, Message


def last_question_asked(session: Session, conversation_id: str) -> str | None:
    """The id of the question still waiting for an answer, if any.

    The bot's last message may ask nothing (a file's "thank you", a practitioner's own
    words), so this is the last message that asked a question; a safety check the person
    has answered hands back to the question it interrupted.
    """
    asked = session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "out",
            Message.question_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    if asked is None:
        return None
    check = check_asked_in(session, asked)
    if check is None or check.answer is None:
        return asked.question_id
    return check.resumes.question_id if check.resumes is not None else None


def files_held(session: Session, conversation_id: str) -> tuple[int, int]:
    """How many files the conversation holds, and their size in bytes in all."""
    count, total = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.size_bytes), 0)).where(
            Document.conversation_id == conversation_id
        )
    ).one()
    return int(count), int(total)

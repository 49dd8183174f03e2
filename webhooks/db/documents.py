"""Documents in the database: stored once per source, counted, listed, read back."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webhooks.db.models import Document, Referral
from webhooks.documents.checks import CheckedFile
from webhooks.documents.cipher import DocumentCipher


def has_source(session: Session, source_id: str) -> bool:
    """Whether a file from this source (a retried delivery) is already stored."""
    return (
        session.scalars(select(Document.id).where(Document.source_id == source_id)).first()
        is not None
    )


def add_document(
    session: Session,
    conversation_id: str,
    source_id: str,
    checked: CheckedFile,
    cipher: DocumentCipher,
    at: datetime,
) -> Document:
    """Encrypt and add a checked file; the caller commits."""
    document = Document(
        conversation_id=conversation_id,
        source_id=source_id,
        filename=checked.filename,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        encrypted=cipher.encrypt(checked.data),
        received_at=at,
    )
    session.add(document)
    session.flush()
    return document


def count_documents(session: Session, conversation_id: str) -> int:
    """How many files the conversation has received."""
    counted = session.scalar(
        select(func.count(Document.id)).where(Document.conversation_id == conversation_id)
    )
    return int(counted or 0)


def documents_for(session: Session, conversation_id: str) -> list[Document]:
    """The conversation's files, oldest first, without their contents."""
    return list(
        session.scalars(
            select(Document)
            .where(Document.conversation_id == conversation_id)
            .order_by(Document.id)
        )
    )


def referral_document(session: Session, referral: Referral, document_id: int) -> Document | None:
    """One of the referral's files, or None if it belongs to another conversation."""
    document = session.get(Document, document_id)
    if document is None or document.conversation_id != referral.conversation_id:
        return None
    return document

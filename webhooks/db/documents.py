"""Documents in the database: stored once per source, counted, listed, read back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Sealed:
    """A checked file encrypted, with what is recorded of it, ready to be added."""

    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    encrypted: bytes


def seal(checked: CheckedFile, cipher: DocumentCipher) -> Sealed:
    """Encrypt a checked file. Done before the storing transaction begins, so no lock is
    held (on SQLite, the whole database's write lock) while a large file is encrypted."""
    return Sealed(
        filename=checked.filename,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        encrypted=cipher.encrypt(checked.data),
    )


def add_sealed(
    session: Session, conversation_id: str, source_id: str, sealed: Sealed, at: datetime
) -> Document:
    """Add a sealed file; the caller commits."""
    document = Document(
        conversation_id=conversation_id,
        source_id=source_id,
        filename=sealed.filename,
        content_type=sealed.content_type,
        size_bytes=sealed.size_bytes,
        sha256=sealed.sha256,
        encrypted=sealed.encrypted,
        received_at=at,
    )
    session.add(document)
    session.flush()
    return document


def add_document(
    session: Session,
    conversation_id: str,
    source_id: str,
    checked: CheckedFile,
    cipher: DocumentCipher,
    at: datetime,
) -> Document:
    """Encrypt and add a checked file; the caller commits."""
    return add_sealed(session, conversation_id, source_id, seal(checked, cipher), at)


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

"""Documents in the database: stored once per source, counted, listed, read back."""

from __future__ import annotations

import hashlib
import io
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from webhooks.db.models import Document, DocumentPart, Referral
from webhooks.documents.checks import CheckedFile
from webhooks.documents.cipher import DocumentCipher

# Each part's length, before it in the temporary file.
_LENGTH_BYTES = 4


def has_source(session: Session, source_id: str) -> bool:
    """Whether a file from this source (a retried delivery) is already stored."""
    return (
        session.scalars(select(Document.id).where(Document.source_id == source_id)).first()
        is not None
    )


@dataclass
class Sealed:
    """A checked file encrypted part by part into a temporary file, with what is recorded
    of it, ready to be added. Close it when done (added or not)."""

    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    binding: str
    parts: int
    spool: IO[bytes]

    def tokens(self) -> Iterator[bytes]:
        """Each part's encrypted form, in order."""
        self.spool.seek(0)
        for _ in range(self.parts):
            length = int.from_bytes(self.spool.read(_LENGTH_BYTES), "big")
            yield self.spool.read(length)

    def close(self) -> None:
        self.spool.close()


def seal(checked: CheckedFile, cipher: DocumentCipher, source_id: str) -> Sealed:
    """Encrypt a checked file a part at a time into a temporary file on disk.

    Done before the storing transaction begins, so no lock is held (on SQLite, the
    whole database's write lock) while a large file is encrypted; and a part at a time,
    so a 50 MiB file is never held whole in memory. The parts are bound to `source_id`,
    unique to the file.
    """
    body = io.BytesIO(checked.data) if isinstance(checked.data, bytes) else checked.data
    body.seek(0)
    measured = _Measured(body)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - Sealed owns it and closes it
    parts = 0
    try:
        for token in cipher.encrypt_parts(measured, source_id.encode("utf-8")):
            spool.write(len(token).to_bytes(_LENGTH_BYTES, "big"))
            spool.write(token)
            parts += 1
    except BaseException:
        spool.close()
        raise
    return Sealed(
        filename=checked.filename,
        content_type=checked.content_type,
        size_bytes=measured.size,
        sha256=measured.digest.hexdigest(),
        binding=source_id,
        parts=parts,
        spool=spool,
    )


def add_sealed(session: Session, conversation_id: str, sealed: Sealed, at: datetime) -> Document:
    """Add a sealed file and its parts, a part at a time; the caller commits."""
    document = Document(
        conversation_id=conversation_id,
        source_id=sealed.binding,
        filename=sealed.filename,
        content_type=sealed.content_type,
        size_bytes=sealed.size_bytes,
        sha256=sealed.sha256,
        encrypted=b"",
        parts=sealed.parts,
        received_at=at,
    )
    session.add(document)
    session.flush()
    for number, token in enumerate(sealed.tokens()):
        # A plain insert: no object per part is kept in the session.
        session.execute(
            insert(DocumentPart).values(document_id=document.id, number=number, encrypted=token)
        )
    return document


def contents(session: Session, document: Document, cipher: DocumentCipher) -> Iterator[bytes]:
    """The file's bytes, a part at a time (a file stored whole by an earlier version, at
    once); DocumentUnreadable if no configured key opens it."""
    if document.parts is None:
        yield cipher.decrypt(document.encrypted)
        return
    yield from cipher.decrypt_parts(
        _part_tokens(session, document.id), document.source_id.encode("utf-8")
    )


def _part_tokens(session: Session, document_id: int) -> Iterator[bytes]:
    # One part loaded at a time.
    for number in itertools.count():
        token = part_token(session, document_id, number)
        if token is None:
            return
        yield token


def part_token(session: Session, document_id: int, number: int) -> bytes | None:
    """One part of a file as stored (encrypted); None past its last part."""
    return session.scalar(
        select(DocumentPart.encrypted).where(
            DocumentPart.document_id == document_id, DocumentPart.number == number
        )
    )


class _Measured:
    """A file read through, counting and hashing what is read."""

    def __init__(self, body: IO[bytes]) -> None:
        self._body = body
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._body.read(size)
        self.size += len(data)
        self.digest.update(data)
        return data


def add_document(
    session: Session,
    conversation_id: str,
    source_id: str,
    checked: CheckedFile,
    cipher: DocumentCipher,
    at: datetime,
) -> Document:
    """Encrypt and add a checked file; the caller commits."""
    sealed = seal(checked, cipher, source_id)
    try:
        return add_sealed(session, conversation_id, sealed, at)
    finally:
        sealed.close()


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

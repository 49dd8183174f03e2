"""A stored document handed back to a practitioner: decrypted, and always as a download.

Never shown inline: a file a person sent is not trusted to run in the queue's origin.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, abort, current_app, send_file
from sqlalchemy.orm import Session

from webhooks.db import documents, referrals
from webhooks.db.engine import db_session
from webhooks.db.models import Document
from webhooks.documents.cipher import DocumentCipher, DocumentUnreadable
from webhooks.web.services import services

log = logging.getLogger(__name__)
UNREADABLE = (
    "This document cannot be opened: the key it was stored with is not configured. "
    "Ask whoever runs this service to check TRIAGE_DOCUMENT_KEYS."
)


def team_download(referral_id: int, document_id: int, team_id: str | None) -> Response:
    """One of a referral's documents for a team (None: every team); else 404, so another
    team's document is simply not found."""
    session = db_session()
    referral = referrals.get_referral(session, referral_id, team_id)
    found = documents.referral_document(session, referral, document_id) if referral else None
    if found is None:
        abort(404)
    return download(found, services().documents)


def download(document: Document, cipher: DocumentCipher) -> Response:
    """The file as an attachment, a part at a time, with headers that keep browsers from
    sniffing or caching it; a file no configured key opens is a plain-words 500, not a
    traceback."""
    parts = _decrypted(current_app.extensions["read_session_factory"], document.id, cipher)
    try:
        first = next(parts, None)
    except DocumentUnreadable:
        log.error("document %s cannot be decrypted: is a document key missing?", document.id)
        return Response(UNREADABLE, status=500, mimetype="text/plain")
    if first is None:
        abort(404)  # deleted (a purge, an erasure) since it was found
    response = send_file(
        io.BufferedReader(_PartsReader(document.id, first, parts)),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.content_length = document.size_bytes
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def _decrypted(
    session_factory: Callable[[], Session], document_id: int, cipher: DocumentCipher
) -> Iterator[bytes]:
    # A session of its own: the body is sent after the request's own session has closed.
    # Each part is read in a transaction of its own, ended before the part is sent: a
    # slow download holds no transaction (nor, on SQLite, the WAL from being checkpointed).
    with session_factory() as session:
        document = session.get(Document, document_id)
        if document is None:
            return
        if document.parts is None:
            yield cipher.decrypt(document.encrypted)
            return
        binding = document.source_id.encode("utf-8")
        session.rollback()

        def tokens() -> Iterator[bytes]:
            for number in itertools.count():
                token = documents.part_token(session, document_id, number)
                session.rollback()
                if token is None:
                    return
                yield token

        yield from cipher.decrypt_parts(tokens(), binding)


class _PartsReader(io.RawIOBase):
    """The decrypted parts as a file the server reads in blocks; one part held at a time."""

    def __init__(self, document_id: int, first: bytes, rest: Iterator[bytes]) -> None:
        super().__init__()
        self._document_id = document_id
        self._parts = rest
        self._current = memoryview(first)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._current:
            try:
                self._current = memoryview(next(self._parts))
            except StopIteration:
                return 0
            except DocumentUnreadable:
                # Headers are sent: all that is left is to cut the download short.
                log.error("document %s is unreadable part way", self._document_id)
                raise
        size = min(len(buffer), len(self._current))
        buffer[:size] = self._current[:size]
        self._current = self._current[size:]
        return size

    def close(self) -> None:
        close = getattr(self._parts, "close", None)
        if close is not None:
            close()
        super().close()

"""A stored document handed back to a practitioner: decrypted, and always as a download.

Never shown inline: a file a person sent is not trusted to run in the queue's origin.
"""

from __future__ import annotations

import io
import logging

from flask import Response, abort, send_file

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
    """The file as an attachment, with headers that keep browsers from sniffing or caching it;
    a file no configured key opens is a plain-words 500, not a traceback."""
    try:
        data = cipher.decrypt(document.encrypted)
    except DocumentUnreadable:
        log.error("document %s cannot be decrypted: is a document key missing?", document.id)
        return Response(UNREADABLE, status=500, mimetype="text/plain")
    response = send_file(
        io.BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response

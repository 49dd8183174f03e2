"""A stored document handed back to a practitioner: decrypted, and always as a download.

Never shown inline: a file a person sent is not trusted to run in the queue's origin.
"""

from __future__ import annotations

import io

from flask import Response, send_file

from webhooks.db.models import Document
from webhooks.documents.cipher import DocumentCipher


def download(document: Document, cipher: DocumentCipher) -> Response:
    """The file as an attachment, with headers that keep browsers from sniffing or caching it."""
    response = send_file(
        io.BytesIO(cipher.decrypt(document.encrypted)),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response

"""Fetch the files a WhatsApp (or MMS) message carries from Twilio, within limits.

Only Twilio's own media URLs are fetched (the webhook is signed, but a URL is still not
followed anywhere else), with the account's credentials, a size cap read as the bytes
arrive, and a time budget well inside Twilio's 15 s wait for the webhook's answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import requests

from webhooks.core.documents import NOT_RECEIVED, FileOutcome, IncomingFile
from webhooks.documents.checks import MAX_BYTES, DocumentRejected
from webhooks.twilio.request import MediaItem

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com/"
# All of a message's files are fetched within this many seconds: with Rasa's own limit
# (8 s) the answer still reaches Twilio inside its 15 s.
FETCH_BUDGET_SECONDS = 5.0
_CHUNK = 64 * 1024


class MediaUnavailable(Exception):
    """A file could not be fetched (not Twilio's, too slow, refused)."""


@dataclass
class MediaFetcher:
    """Downloads attachments from Twilio's media URLs."""

    http: requests.Session
    api_base: str = TWILIO_API
    auth: tuple[str, str] | None = None

    def fetch_all(self, items: list[MediaItem]) -> Iterator[IncomingFile | FileOutcome]:
        """Each item's file, or what kept it from us; fetched only as it is asked for."""
        deadline = time.monotonic() + FETCH_BUDGET_SECONDS
        for item in items:
            try:
                yield self._fetch(item, deadline)
            except DocumentRejected as rejected:
                yield FileOutcome(rejected.reason, item.label)
            except MediaUnavailable as error:
                log.warning("media not fetched: %s", error)
                yield FileOutcome(NOT_RECEIVED, item.label)

    def _fetch(self, item: MediaItem, deadline: float) -> IncomingFile:
        if not item.url.startswith(self.api_base.rstrip("/") + "/"):
            raise MediaUnavailable("not a Twilio media URL")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MediaUnavailable("out of time")
        try:
            with self.http.get(item.url, auth=self.auth, stream=True, timeout=remaining) as got:
                if not got.ok:
                    raise MediaUnavailable(f"HTTP {got.status_code}")
                declared_size = got.headers.get("Content-Length", "")
                if declared_size.isdecimal() and int(declared_size) > MAX_BYTES:
                    raise DocumentRejected("too_big")
                data = _read_capped(got, deadline)
                declared_type = got.headers.get("Content-Type", "") or item.declared_type
        except requests.RequestException as error:
            raise MediaUnavailable(type(error).__name__) from error
        return IncomingFile(item.source_id, data, item.filename, declared_type, item.label)


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    received = bytearray()
    for chunk in response.iter_content(_CHUNK):
        received += chunk
        if len(received) > MAX_BYTES:
            raise DocumentRejected("too_big")
        if time.monotonic() > deadline:
            raise MediaUnavailable("out of time")
    return bytes(received)

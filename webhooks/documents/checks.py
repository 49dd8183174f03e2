"""Which files are taken: a size limit, and a type read from the file's own bytes.

A file's name and declared type are the sender's word; its first bytes are not. Only
the kinds of file a referral needs are taken (documents and photos of letters), so a
program or an archive never reaches a practitioner's computer.

A file may come as bytes (fetched from Twilio) or as a seekable file object (a web chat
upload, which werkzeug has already written to a temporary file on disk). The checks read
a file object only as far as they must: its size from its end, its type from its first
bytes, plain text in chunks. A file that passes is encrypted and stored a part at a time
(webhooks/db/documents.py): it is never read whole into memory.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

import filetype

# Together's limit, "52.43MB" on its form (seed 000): 50 MiB.
MAX_BYTES = 50 * 1024 * 1024
# Detected type -> the extension a downloaded copy is given.
ACCEPTED = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/rtf": "rtf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/webp": "webp",
    "image/gif": "gif",
}
PLAIN_TEXT = "text/plain"
_UNSAFE_IN_NAME = re.compile(r"[^\w .()-]+")
_MAX_NAME = 120
# filetype reads no further than this into a file to know its type.
_SIGNATURE_BYTES = 8192
# Plain text is read this much at a time to see that it is text.
_TEXT_CHUNK = 1024 * 1024

# What a channel hands over: the bytes, or a seekable file object holding them.
FileBody = bytes | IO[bytes]


class DocumentRejected(ValueError):
    """A file that is not taken; `reason` is "too_big", "empty" or "wrong_type"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its bytes (or the file object holding them), its real type,
    and a safe name to show."""

    data: FileBody
    content_type: str
    filename: str


def check_file(body: FileBody, filename: str, declared_type: str) -> CheckedFile:
    """The file if it is taken, else DocumentRejected saying why."""
    stream = io.BytesIO(body) if isinstance(body, bytes) else body
    size = size_of(stream)
    if not size:
        raise DocumentRejected("empty")
    if size > MAX_BYTES:
        raise DocumentRejected("too_big")
    content_type = _detected_type(stream, filename, declared_type)
    return CheckedFile(body, content_type, safe_name(filename, content_type))


def size_of(body: FileBody) -> int:
    """How many bytes the file holds, found from its end: nothing is read."""
    if isinstance(body, bytes):
        return len(body)
    body.seek(0, io.SEEK_END)
    return body.tell()


def _detected_type(stream: IO[bytes], filename: str, declared_type: str) -> str:
    stream.seek(0)
    found = filetype.guess_mime(stream.read(_SIGNATURE_BYTES))
    if found in ACCEPTED:
        return str(found)
    # Plain text has no signature: take it when it says so and reads as text.
    says_text = declared_type.split(";")[0].strip() == PLAIN_TEXT or filename.endswith(".txt")
    if found is None and says_text and _reads_as_text(stream):
        return PLAIN_TEXT
    raise DocumentRejected("wrong_type")


def _reads_as_text(stream: IO[bytes]) -> bool:
    # UTF-8 without a NUL, read a chunk at a time (a character may span two chunks).
    decoder = codecs.getincrementaldecoder("utf-8")()
    stream.seek(0)
    try:
        while chunk := stream.read(_TEXT_CHUNK):
            if "\x00" in decoder.decode(chunk):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def extension_for(content_type: str) -> str:
    """The extension a file of this (accepted) type is saved with."""
    return ACCEPTED.get(content_type, "txt")


def safe_name(filename: str, content_type: str) -> str:
    """The name without any folder or odd characters, ending in its real extension."""
    base = PureWindowsPath(PurePosixPath(filename).name).name
    stem = _UNSAFE_IN_NAME.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    return f"{(stem or 'document')[:_MAX_NAME]}.{extension_for(content_type)}"

"""Which files are taken: a size limit, and a type read from the file's own bytes.

A file's name and declared type are the sender's word; its first bytes are not. Only
the kinds of file a referral needs are taken (documents and photos of letters), so a
program or an archive never reaches a practitioner's computer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

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


class DocumentRejected(ValueError):
    """A file that is not taken; `reason` is "too_big", "empty" or "wrong_type"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its bytes, its real type, and a safe name to show."""

    data: bytes
    content_type: str
    filename: str


def check_file(data: bytes, filename: str, declared_type: str) -> CheckedFile:
    """The file if it is taken, else DocumentRejected saying why."""
    if not data:
        raise DocumentRejected("empty")
    if len(data) > MAX_BYTES:
        raise DocumentRejected("too_big")
    content_type = _detected_type(data, filename, declared_type)
    return CheckedFile(data, content_type, safe_name(filename, content_type))


def _detected_type(data: bytes, filename: str, declared_type: str) -> str:
    found = filetype.guess_mime(data)
    if found in ACCEPTED:
        return str(found)
    # Plain text has no signature: take it when it says so and reads as text.
    says_text = declared_type.split(";")[0].strip() == PLAIN_TEXT or filename.endswith(".txt")
    if found is None and says_text and _reads_as_text(data):
        return PLAIN_TEXT
    raise DocumentRejected("wrong_type")


def _reads_as_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def extension_for(content_type: str) -> str:
    """The extension a file of this (accepted) type is saved with."""
    return ACCEPTED.get(content_type, "txt")


def safe_name(filename: str, content_type: str) -> str:
    """The name without any folder or odd characters, ending in its real extension."""
    base = PureWindowsPath(PurePosixPath(filename).name).name
    stem = _UNSAFE_IN_NAME.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    return f"{(stem or 'document')[:_MAX_NAME]}.{extension_for(content_type)}"

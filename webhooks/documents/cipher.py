"""Documents are encrypted at rest (Fernet: AES with an authentication tag).

TRIAGE_DOCUMENT_KEYS lists Fernet keys, newest first: the first encrypts, any decrypts,
so a key is rotated by putting a new one in front and keeping the old ones until
`triage keys rotate` has re-encrypted every document. Without it, the data keys
(TRIAGE_DATA_KEYS) encrypt documents too. Neither is derived from SECRET_KEY, so changing
the cookie secret never locks documents away. Earlier versions encrypted with a key
derived from SECRET_KEY: that key is kept last, for reading only, until rotation has
re-encrypted what it opened.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_DERIVED_FOR = b"triage documents at rest"
# A file is encrypted and read back this much at a time. Encrypting or decrypting a
# part makes a few copies of it, so this bounds what a process holds of any one file.
PART_BYTES = 256 * 1024


class Readable(Protocol):
    """What a file is read from: a file object, or anything with its `read`."""

    def read(self, size: int = -1, /) -> bytes: ...


class DocumentUnreadable(Exception):
    """A stored document could not be decrypted with any configured key."""


class DocumentCipher:
    """Encrypts with the newest key; decrypts with any."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        self._newest = Fernet(keys[0].encode("ascii"))

    @classmethod
    def from_secrets(
        cls, document_keys: Sequence[str], data_keys: Sequence[str], secret_key: str
    ) -> DocumentCipher:
        """The document keys (else the data keys), then, for reading documents stored by
        earlier versions, the one derived from the app's secret key."""
        return cls([*(document_keys or data_keys), derived_key(secret_key)])

    def is_current(self, token: bytes) -> bool:
        """Whether the newest key opens this (rotation skips what it need not redo)."""
        try:
            self._newest.decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """The same document encrypted under the newest key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as error:
            raise DocumentUnreadable("no configured key opens this document") from error

    def encrypt(self, data: bytes) -> bytes:
        """The encrypted form to store."""
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """The original bytes, or DocumentUnreadable."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as error:
            raise DocumentUnreadable("no configured key opens this document") from error

    def encrypt_parts(self, stream: Readable, binding: bytes) -> Iterator[bytes]:
        """The file read from `stream` a part at a time, each part encrypted with what
        file it belongs to (`binding`), its number and whether it is the last."""
        number = 0
        current = stream.read(PART_BYTES)
        while True:
            following = stream.read(PART_BYTES)
            last = not following
            yield self._fernet.encrypt(_frame(binding, number, last) + current)
            if last:
                return
            current, number = following, number + 1

    def decrypt_parts(self, tokens: Iterable[bytes], binding: bytes) -> Iterator[bytes]:
        """The file's bytes a part at a time; DocumentUnreadable when a key is missing or a
        part is not this file's next one, or the file ends before its last part."""
        expected = 0
        for token in tokens:
            if expected < 0:
                raise DocumentUnreadable("a part follows the last one")
            plain = self.decrypt(token)
            header = _frame(binding, expected, last=False)
            if plain[: len(header) - 1] != header[:-1] or len(plain) < len(header):
                raise DocumentUnreadable("a part of another file, or out of order")
            last = plain[len(header) - 1] == 1
            yield plain[len(header) :]
            expected = -1 if last else expected + 1
        if expected >= 0:
            raise DocumentUnreadable("the file ends before its last part")


def _frame(binding: bytes, number: int, last: bool) -> bytes:
    # Inside the encryption, so Fernet's authentication covers it: which file (its
    # length first, so no binding is a prefix of another), which part, whether the last.
    return len(binding).to_bytes(2, "big") + binding + number.to_bytes(4, "big") + bytes([last])


def derived_key(secret_key: str) -> str:
    """A Fernet key derived from the secret key (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVED_FOR).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw).decode("ascii")

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
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_DERIVED_FOR = b"triage documents at rest"


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


def derived_key(secret_key: str) -> str:
    """A Fernet key derived from the secret key (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVED_FOR).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw).decode("ascii")

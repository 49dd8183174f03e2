"""A file is encrypted a part at a time, and each part says, inside what is encrypted,
which file it belongs to, its place and whether it is the last: parts swapped between
files, put out of order, dropped or cut short are refused, never handed back as the file."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet

from webhooks.documents.cipher import PART_BYTES, DocumentCipher, DocumentUnreadable

CIPHER = DocumentCipher([Fernet.generate_key().decode()])
FILE = bytes(range(256)) * (PART_BYTES // 256) * 3 + b"the end"  # three parts and a bit


def parts(data: bytes, binding: bytes = b"webchat/1") -> list[bytes]:
    return list(CIPHER.encrypt_parts(io.BytesIO(data), binding))


def read(tokens: list[bytes], binding: bytes = b"webchat/1") -> bytes:
    return b"".join(CIPHER.decrypt_parts(tokens, binding))


@pytest.mark.parametrize("size", [1, PART_BYTES - 1, PART_BYTES, PART_BYTES + 1, len(FILE)])
def test_a_file_comes_back_as_it_went_in(size: int) -> None:
    tokens = parts(FILE[:size])
    assert len(tokens) == max(1, -(-size // PART_BYTES))
    assert read(tokens) == FILE[:size]


def test_no_part_holds_the_file_in_the_clear() -> None:
    assert all(FILE[:64] not in token for token in parts(FILE))


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: [t[1], t[0], *t[2:]], id="two parts swapped"),
        pytest.param(lambda t: t[:-1], id="the last part dropped"),
        pytest.param(lambda t: [t[0], *t[2:]], id="a middle part dropped"),
        pytest.param(lambda t: [*t, t[-1]], id="a part after the last"),
        pytest.param(lambda t: [t[0], *parts(FILE, b"webchat/2")[1:]], id="parts of another file"),
        pytest.param(lambda t: [], id="no part at all"),
    ],
)
def test_tampered_parts_are_refused(tamper: object) -> None:
    tokens = tamper(parts(FILE))  # type: ignore[operator]
    with pytest.raises(DocumentUnreadable):
        read(tokens)


def test_a_binding_that_begins_another_is_not_taken_for_it() -> None:
    with pytest.raises(DocumentUnreadable):
        read(parts(FILE, b"webchat/1"), b"webchat/10")


def test_a_part_no_key_opens_is_unreadable() -> None:
    other = DocumentCipher([Fernet.generate_key().decode()])
    tokens = list(other.encrypt_parts(io.BytesIO(FILE), b"webchat/1"))
    with pytest.raises(DocumentUnreadable):
        read(tokens)

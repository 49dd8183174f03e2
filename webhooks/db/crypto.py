"""Personal data encrypted at rest: column types that encrypt on the way in and decrypt on the
way out, and keyed hashes for the few values the code must look up.

What a person wrote and told us (message bodies, answers, names, phone numbers, notes) is
stored as Fernet tokens under the data keys (TRIAGE_DATA_KEYS, newest first: the newest
encrypts, any decrypts, so a new key can be added before `triage keys rotate` re-encrypts).
A value the code looks up by equality (the phone number a text comes from) also gets an
HMAC under the lookup key (TRIAGE_LOOKUP_KEY): equal values give equal hashes, and the hash
says nothing about the value without the key. Neither key is derived from SECRET_KEY, so
changing the cookie secret never makes data unreadable.

The keys are set once per process (`configure`) by the app, or read from the environment
the first time they are needed; without them, using a column is an error naming the
variables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text, TypeDecorator

# A lookup key shorter than this is refused: it would be guessable.
MIN_LOOKUP_KEY_LENGTH = 32
# Search tokens are truncated hashes: long enough never to collide among a team's
# referrals, short enough to keep a few hundred per referral.
SEARCH_TOKEN_LENGTH = 16
# The shortest start of a name a search matches ("Sam" finds "Samantha").
SHORTEST_NAME_PREFIX = 3
# A word of a name: letters and digits, with the hyphens and apostrophes inside it.
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*", re.UNICODE)
_PART = re.compile(r"[^\W_]+", re.UNICODE)


class KeysMissing(RuntimeError):
    """The data keys were not set for this process."""


class Undecryptable(ValueError):
    """A stored value could not be decrypted with any of the keys given (a ValueError: like
    any other unreadable value, a spooled file holding one is set aside, not retried)."""


@dataclass(frozen=True)
class DataKeys:
    """The keys of this process: Fernet keys newest first, and the lookup key."""

    fernet_keys: tuple[str, ...]
    lookup_key: str

    def __post_init__(self) -> None:
        if not self.fernet_keys:
            raise KeysMissing("TRIAGE_DATA_KEYS is not set (Fernet keys, newest first)")
        if len(self.lookup_key) < MIN_LOOKUP_KEY_LENGTH:
            raise KeysMissing(
                f"TRIAGE_LOOKUP_KEY must be at least {MIN_LOOKUP_KEY_LENGTH} characters"
            )

    @property
    def cipher(self) -> MultiFernet:
        return _cipher(self.fernet_keys)

    @property
    def newest(self) -> Fernet:
        return Fernet(self.fernet_keys[0].encode("ascii"))


_keys: DataKeys | None = None
_ciphers: dict[tuple[str, ...], MultiFernet] = {}


def configure(fernet_keys: Sequence[str], lookup_key: str) -> DataKeys:
    """Set this process's keys (again, in tests: the last call wins)."""
    global _keys
    _keys = DataKeys(tuple(fernet_keys), lookup_key)
    return _keys


def configure_from_env(environ: Mapping[str, str]) -> DataKeys:
    """Set the keys from TRIAGE_DATA_KEYS and TRIAGE_LOOKUP_KEY (or their `_FILE` forms)."""
    fernet_keys = tuple(
        key.strip() for key in _secret(environ, "TRIAGE_DATA_KEYS").split(",") if key.strip()
    )
    for key in fernet_keys:
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise KeysMissing(
                "TRIAGE_DATA_KEYS must be Fernet keys separated by commas, newest first "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from error
    return configure(fernet_keys, _secret(environ, "TRIAGE_LOOKUP_KEY"))


def _secret(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    file_name = environ.get(f"{name}_FILE", "").strip()
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise KeysMissing(f"{name}_FILE: cannot read {file_name} ({error.strerror})") from error
    if not value:
        raise KeysMissing(f"{name} is not set (set {name} or {name}_FILE)")
    return value


def keys() -> DataKeys:
    """This process's keys: as configured, else from the environment (a process started
    by another, a migration); an error naming the variables if neither has them."""
    return _keys if _keys is not None else configure_from_env(os.environ)


def _cipher(fernet_keys: tuple[str, ...]) -> MultiFernet:
    if fernet_keys not in _ciphers:
        _ciphers[fernet_keys] = MultiFernet([Fernet(key.encode("ascii")) for key in fernet_keys])
    return _ciphers[fernet_keys]


def encrypt(text: str) -> str:
    """A Fernet token (text) for this text, under the newest key."""
    return keys().cipher.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text of a token written under any of the keys."""
    try:
        return keys().cipher.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise Undecryptable(
            "a stored value cannot be decrypted with TRIAGE_DATA_KEYS: is a key missing?"
        ) from error


def is_current(token: str) -> bool:
    """Whether the newest key opens this token (rotation skips it)."""
    try:
        keys().newest.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def rotate(token: str) -> str:
    """The same value under the newest key."""
    try:
        return keys().cipher.rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise Undecryptable(
            "a stored value cannot be decrypted with TRIAGE_DATA_KEYS: is a key missing?"
        ) from error


def lookup_hash(value: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) the code looks a value up by."""
    key = keys().lookup_key.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def search_token(kind: str, value: str) -> str:
    """A short keyed hash of one searchable thing (a start of a name, a phone number)."""
    return lookup_hash(f"{kind}:{value}")[:SEARCH_TOKEN_LENGTH]


def name_tokens(name: str) -> set[str]:
    """Tokens for every start (3 letters or more) of every word of a name; a word with a
    hyphen or an apostrophe counts whole and in parts ("Quixote-Marchbanks" is found by
    "Marchbanks", "O'Brien" by "OBrien" and by "Brien")."""
    found: set[str] = set()
    for word in _name_words(name):
        for end in range(min(SHORTEST_NAME_PREFIX, len(word)), len(word) + 1):
            found.add(search_token("name", word[:end]))
    return found


def _name_words(name: str) -> set[str]:
    words: set[str] = set()
    for whole in _WORD.findall(name.casefold()):
        parts = _PART.findall(whole)
        words.update(parts)
        words.add("".join(parts))
    return words


def search_words(said: str) -> list[str]:
    """The words of a search: each must start a word of the name."""
    return ["".join(_PART.findall(word)) for word in _WORD.findall(said.casefold())]


def joined(tokens: Iterable[str]) -> str:
    """Tokens as stored: space-separated with a space at each end, so `LIKE '% t %'`
    matches whole tokens only."""
    return " " + " ".join(sorted(tokens)) + " "


class EncryptedText(TypeDecorator[str]):
    """Text stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as a Fernet token of its JSON text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(decrypt(value))

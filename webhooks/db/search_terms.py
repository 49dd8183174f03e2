"""What the queue's search can find in a referral, as keyed hashes: the starts of the words of
the person's name and the phone number they gave. The values themselves are encrypted; the
search hashes what is typed the same way and compares hashes (webhooks/db/crypto.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webhooks.db import crypto

NAME_QUESTION = "full_name"
PHONE_QUESTION = "contact_number"


def phone_token(e164: str) -> str:
    """The token of one phone number (E.164)."""
    return crypto.search_token("phone", e164)


def name_search(words: list[str]) -> list[str]:
    """One token per typed word: each must start a word of the name."""
    return [crypto.search_token("name", word) for word in words]


def terms_for(answers: Iterable[tuple[str, str, Any, bool]]) -> str:
    """The stored search terms for answers given as (question id, display, value, skipped)."""
    tokens: set[str] = set()
    for question_id, display, value, skipped in answers:
        if skipped:
            continue
        if question_id == NAME_QUESTION:
            tokens |= crypto.name_tokens(display)
        elif question_id == PHONE_QUESTION and isinstance(value, str) and value:
            tokens.add(phone_token(value))
    return crypto.joined(tokens)

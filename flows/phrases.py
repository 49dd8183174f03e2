"""What the flow engine itself says (re-asks, skips, the read-back), from `phrases.yml`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from flows.model import Wording
from flows.placeholders import fill

PHRASES_FILE = Path(__file__).resolve().parent / "phrases.yml"
REQUIRED = (
    "retry_again",
    "retry_again_optional",
    "not_optional",
    "skipped",
    "first_question",
    "back_after_sending",
    "why_default",
    "restart",
    "easy_on",
    "review",
    "review_item",
    "review_choose",
    "review_send",
    "review_change",
    "review_back",
    "carry_on",
    "carry_on_now",
    "carry_on_later",
    "carry_on_retry",
)
# What the engine passes when it speaks; any other placeholder is a slip, refused at load.
RUNTIME_PLACEHOLDERS = ("retry", "why", "items", "label", "value")


@lru_cache(maxsize=1)
def phrases() -> dict[str, Wording]:
    """Every phrase, each with an optional telephone wording."""
    raw = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    table: dict[str, Wording] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            table[str(key)] = Wording(
                " ".join(str(value["self"]).split()), voice=" ".join(str(value["voice"]).split())
            )
        else:
            table[str(key)] = Wording(" ".join(str(value).split()))
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        raise ValueError(f"phrases.yml is missing: {', '.join(missing)}")
    for key, wording in table.items():
        for variant in wording.all():
            fill(variant, {}, f"phrases.yml: {key}", later=RUNTIME_PLACEHOLDERS)
    return table


def say(key: str, voice: bool = False, **values: str) -> str:
    """The phrase `key` for this channel, its placeholders filled in."""
    return phrases()[key].pick("self", easy=False, voice=voice).format(**values)

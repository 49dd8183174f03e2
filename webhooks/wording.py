"""The gateway's own wording, kept in `data/messages.yml` for review without Python."""

from __future__ import annotations

from pathlib import Path

import yaml

REQUIRED_KEYS = (
    "referral_sent",
    "referral_not_saved",
    "bot_unavailable",
    "unknown_number",
    "sms_options",
    "sms_choice",
    "crisis_self",
    "crisis_from_others",
    "crisis_others",
    "crisis_urgent_note",
    "carry_on",
    "carry_on_start",
)


class Wording:
    """Named message templates with `{placeholders}`."""

    def __init__(self, templates: dict[str, str]) -> None:
        missing = [key for key in REQUIRED_KEYS if key not in templates]
        if missing:
            raise ValueError(f"messages.yml is missing: {', '.join(missing)}")
        self._templates = templates

    @classmethod
    def load(cls, path: Path) -> Wording:
        """Read the wording file."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls({str(key): " ".join(str(value).split()) for key, value in raw.items()})

    def say(self, key: str, **values: str) -> str:
        """The message `key` with its placeholders filled in."""
        return self._templates[key].format(**values)

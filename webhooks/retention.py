"""How long a team keeps what it holds (`retention:` in its file): conversations that never
became a referral only weeks, closed referrals the years its records policy says. Open
referrals have no limit: they are work still to do. `triage purge` and the worker apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# The kinds of record a policy covers, as written in the team file and named in the
# purge's counts and audit entries.
CONVERSATIONS = "conversations_without_referral"
CLOSED_REFERRALS = "closed_referrals"
CLASSES = (CONVERSATIONS, CLOSED_REFERRALS)


class RetentionError(ValueError):
    """A retention policy that cannot be read; the message names the file and the key."""


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of record is kept after it last changed."""

    # Since the last message, file or follow-up, for a conversation with no referral
    # (the person declined, was not eligible, or stopped before one was made).
    conversations_without_referral_days: int
    # Since the referral was closed.
    closed_referrals_days: int

    def conversations_cutoff(self, now: datetime) -> datetime:
        """Conversations with no activity since this moment are past their time."""
        return now - timedelta(days=self.conversations_without_referral_days)

    def closed_referrals_cutoff(self, now: datetime) -> datetime:
        """Referrals closed before this moment are past their time."""
        return now - timedelta(days=self.closed_referrals_days)


def parse_retention(raw: Any, where: str) -> RetentionPolicy | None:
    """`retention: {conversations_without_referral_days: 30, closed_referrals_days: 2920}`.

    None when the file has no `retention:`: nothing of that team is deleted until it says
    how long to keep things (deleting clinical records is a decision, never a default).
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RetentionError(f"{where}: retention must be a mapping of days")
    keys = {f"{name}_days" for name in CLASSES}
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise RetentionError(f"{where}: retention.{unknown[0]} is not one of {sorted(keys)}")
    missing = sorted(keys - set(raw))
    if missing:
        raise RetentionError(f"{where}: retention.{missing[0]} is missing")
    days: dict[str, int] = {}
    for key in sorted(keys):
        value = raw[key]
        # YAML reads `yes` as True, and True is an int in Python: refuse it by name.
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RetentionError(
                f"{where}: retention.{key} must be a whole number of days above 0, not {value!r}"
            )
        days[key] = value
    return RetentionPolicy(**days)

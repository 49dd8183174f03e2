"""How soon a team aims to pick a referral up, by kind (`pick_up_within:` in its file):
the queue shows each referral's wait against it, and marks the ones over it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

_AMOUNT = re.compile(r"^\s*(\d+)\s*(min|h|d)\s*$")
_UNITS = {"min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
KINDS = ("urgent", "time_critical", "routine")


class TargetError(ValueError):
    """A target that cannot be read; the message says which and how to write it."""


@dataclass(frozen=True)
class PickUpTargets:
    """The most a referral of each kind should wait before someone takes it up; None
    where the team sets no target."""

    urgent: timedelta | None = None
    time_critical: timedelta | None = None
    routine: timedelta | None = None

    def for_referral(self, urgent: bool, time_critical: bool) -> timedelta | None:
        """The target for a referral: risk first, then time-critical, then the rest."""
        if urgent:
            return self.urgent
        return self.time_critical if time_critical else self.routine


def parse_targets(raw: Any, where: str) -> PickUpTargets:
    """`pick_up_within: {urgent: 1h, time_critical: 2h, routine: 2d}` (min, h or d)."""
    if raw is None:
        return PickUpTargets()
    if not isinstance(raw, dict):
        raise TargetError(f"{where}: pick_up_within must be a mapping")
    unknown = sorted(set(raw) - set(KINDS))
    if unknown:
        raise TargetError(f"{where}: pick_up_within.{unknown[0]} is not one of {KINDS}")
    found: dict[str, timedelta] = {}
    for kind, written in raw.items():
        match = _AMOUNT.match(str(written))
        if match is None or int(match.group(1)) == 0:
            raise TargetError(f"{where}: pick_up_within.{kind} must be like 30min, 2h or 2d")
        found[kind] = int(match.group(1)) * _UNITS[match.group(2)]
    return PickUpTargets(**found)

"""Each flow's minimum age, from the team files that use it (`eligibility.min_age`).

A team's file is the one place its age rule is written; its flow's wording names it as
`{min_age}` and its age ending tests it, so the two cannot disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.errors import FlowError

# Beyond this a minimum age is a typing slip (L&D teams see children from 10, the age of
# criminal responsibility, and adults).
_HIGHEST_MIN_AGE = 25


class EligibilityError(FlowError):
    """A team's eligibility block is malformed; the message names the file and the key."""


def min_ages(teams_dir: Path) -> dict[str, int | None]:
    """Flow id -> the minimum age of the teams that use it (None: any age)."""
    found: dict[str, tuple[int | None, str]] = {}
    for path in sorted(teams_dir.glob("*.yml")):
        raw = _read(path)
        min_age = _min_age(raw.get("eligibility"), path.name)
        for flow_id in raw.get("flows") or []:
            earlier = found.setdefault(str(flow_id), (min_age, path.name))
            if earlier[0] != min_age:
                raise EligibilityError(
                    f"{path.name}: eligibility.min_age {_said(min_age)} differs from "
                    f"{earlier[1]} ({_said(earlier[0])}), which uses the same flow "
                    f"{flow_id!r}: a flow has one age rule"
                )
    return {flow_id: min_age for flow_id, (min_age, _) in found.items()}


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise EligibilityError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise EligibilityError(f"{path.name}: expected a mapping at the top level")
    return raw


def _min_age(eligibility: Any, where: str) -> int | None:
    if eligibility is None:
        return None
    if not isinstance(eligibility, dict):
        raise EligibilityError(f"{where}: eligibility must be a mapping")
    value = eligibility.get("min_age")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise EligibilityError(f"{where}: eligibility.min_age must be a whole number")
    if not 0 < value <= _HIGHEST_MIN_AGE:
        raise EligibilityError(f"{where}: eligibility.min_age must be from 1 to {_HIGHEST_MIN_AGE}")
    if eligibility.get("all_ages"):
        raise EligibilityError(f"{where}: eligibility has both all_ages and min_age")
    return value


def _said(min_age: int | None) -> str:
    return "none" if min_age is None else str(min_age)

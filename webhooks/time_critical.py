"""Which referrals are time-critical, read from their answers by the rules in
`data/time_critical.yml`: in custody now, help needed today, a court or interview date
within two working days. Clinicians read and change the rules there, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from webhooks.hours import LONDON, is_bank_holiday

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "time_critical.yml"


class TimeCriticalError(ValueError):
    """The rules file is malformed; the message says where."""


@dataclass(frozen=True)
class Reason:
    """One reason a referral is time-critical: an answer to one flow question."""

    name: str
    question: str
    label: str
    # The answers that make it so (a choice's value)...
    answers: frozenset[str] = frozenset()
    # ...or, for a date, how many working days ahead it may be (today counts as one).
    within_working_days: int | None = None
    # The team pathways that see it, first choice first (a team may have none of them).
    pathways: tuple[str, ...] = ()

    def holds(self, value: object, today: date) -> bool:
        """Whether this answer, given on `today`, makes the referral time-critical."""
        if self.within_working_days is None:
            return isinstance(value, str) and value in self.answers
        if not isinstance(value, str):
            return False
        try:
            when = date.fromisoformat(value)
        except ValueError:
            return False
        return today <= when <= _working_days_on(today, self.within_working_days)


def _working_days_on(today: date, count: int) -> date:
    """The last day of the next `count` working days from today (today counts if it is one)."""
    day, counted = today, 0
    while True:
        if day.weekday() < 5 and not is_bank_holiday(day):
            counted += 1
            if counted == count:
                return day
        day += timedelta(days=1)


@lru_cache(maxsize=1)
def load_reasons(path: Path = RULES_FILE) -> tuple[Reason, ...]:
    """The rules, read once; TimeCriticalError naming the reason if one is malformed."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    reasons = []
    for name, spec in (raw.get("reasons") or {}).items():
        try:
            within = spec.get("within_working_days")
            reason = Reason(
                name=str(name),
                question=str(spec["question"]),
                label=str(spec["label"]),
                answers=frozenset(str(answer) for answer in spec.get("answers") or ()),
                within_working_days=int(within) if within is not None else None,
                pathways=tuple(str(pathway) for pathway in spec.get("pathways") or ()),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise TimeCriticalError(f"{path.name}: reason {name!r} is malformed") from error
        if bool(reason.answers) == (reason.within_working_days is not None):
            raise TimeCriticalError(
                f"{path.name}: reason {name!r} needs answers or within_working_days, not both"
            )
        reasons.append(reason)
    return tuple(reasons)


def reasons_for(answers: Mapping[str, object], at: datetime) -> list[str]:
    """The names of the reasons these answers (question id -> value) give, at this moment."""
    today = at.astimezone(LONDON).date()
    return [
        reason.name
        for reason in load_reasons()
        if reason.question in answers and reason.holds(answers[reason.question], today)
    ]


def pathways_for(reason_names: Sequence[str]) -> list[str]:
    """The pathways that see referrals with these reasons, first choice first."""
    chosen: list[str] = []
    for reason in load_reasons():
        if reason.name in reason_names:
            chosen += [pathway for pathway in reason.pathways if pathway not in chosen]
    return chosen


def labels() -> dict[str, str]:
    """Each reason's name and how a practitioner reads it."""
    return {reason.name: reason.label for reason in load_reasons()}

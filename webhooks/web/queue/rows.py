"""What one row of the queue says about a referral: who, how old, how long it has waited,
and where the person is in the justice system, read from the answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from webhooks.db.models import Referral, as_utc
from webhooks.hours import LONDON
from webhooks.targets import PickUpTargets


@dataclass(frozen=True)
class Row:
    """The facts a list shows for one referral."""

    name: str
    age: int | None
    waited: str
    justice: str
    next_date: str
    # The team's aim for taking up a referral like this ("1 h"), blank when it sets none;
    # `over` while nobody has taken it up and it has waited longer.
    target: str = ""
    over: bool = False


def row_for(referral: Referral, now: datetime, targets: PickUpTargets | None = None) -> Row:
    """The row's facts (blank where the person did not say)."""
    answers = {answer.question_id: answer for answer in referral.answers if not answer.skipped}
    name = answers["full_name"].display if "full_name" in answers else ""
    born = _date(answers["date_of_birth"].value.get("v")) if "date_of_birth" in answers else None
    today = now.astimezone(LONDON).date()
    age = None
    if born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    justice = answers["justice_status"].display if "justice_status" in answers else ""
    next_date = answers["next_date"].display if "next_date" in answers else ""
    waited = now - as_utc(referral.submitted_at)
    aim = (targets or PickUpTargets()).for_referral(referral.urgent, referral.time_critical)
    # A referral kept part way is not yet one to take up: no aim applies.
    over = aim is not None and referral.complete and referral.status == "new" and waited > aim
    target = _waited(aim) if aim is not None else ""
    return Row(name, age, _waited(waited), justice, next_date, target, over)


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _waited(gap: timedelta) -> str:
    seconds = max(0, int(gap.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"

"""How long a referral has waited against the team's aim for taking it up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from webhooks.targets import PickUpTargets, TargetError, parse_targets
from webhooks.web.queue.rows import row_for

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TARGETS = parse_targets({"urgent": "1h", "time_critical": "90min", "routine": "2d"}, "test")


def referral(waited: timedelta, status: str = "new", **marks: bool) -> Any:
    return SimpleNamespace(
        answers=[],
        submitted_at=NOW - waited,
        status=status,
        complete=True,
        urgent=marks.get("urgent", False),
        time_critical=marks.get("time_critical", False),
    )


def test_it_reads_minutes_hours_and_days() -> None:
    expected = PickUpTargets(
        urgent=timedelta(hours=1), time_critical=timedelta(minutes=90), routine=timedelta(days=2)
    )
    assert expected == TARGETS


@pytest.mark.parametrize("written", ["soon", "0h", "2 weeks", "-1h"])
def test_a_target_it_cannot_read_is_refused_saying_how_to_write_it(written: str) -> None:
    with pytest.raises(TargetError, match="like 30min, 2h or 2d"):
        parse_targets({"urgent": written}, "team.yml")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(TargetError, match=r"pick_up_within\.soonish"):
        parse_targets({"soonish": "1h"}, "team.yml")


def test_an_urgent_referral_waiting_longer_than_its_aim_is_over_it() -> None:
    row = row_for(referral(timedelta(hours=2), urgent=True), NOW, TARGETS)
    assert (row.waited, row.target, row.over) == ("2 h", "1 h", True)


def test_the_aim_follows_the_kind_risk_first() -> None:
    both = row_for(referral(timedelta(minutes=80), urgent=True, time_critical=True), NOW, TARGETS)
    critical = row_for(referral(timedelta(minutes=80), time_critical=True), NOW, TARGETS)
    routine = row_for(referral(timedelta(minutes=80)), NOW, TARGETS)
    assert (both.over, critical.over, routine.over) == (True, False, False)


def test_once_someone_has_taken_it_up_it_is_no_longer_over() -> None:
    row = row_for(referral(timedelta(days=3), status="claimed"), NOW, TARGETS)
    assert row.target == "2 days" and not row.over


def test_a_team_without_aims_shows_none() -> None:
    row = row_for(referral(timedelta(days=3)), NOW, PickUpTargets())
    assert (row.target, row.over) == ("", False)

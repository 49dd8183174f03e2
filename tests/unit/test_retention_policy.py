"""Each team file says how long its records are kept (`retention:`), read and checked at
load: a policy that cannot be read stops the start, naming the file and the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from webhooks.config import PROJECT_ROOT
from webhooks.retention import RetentionError, RetentionPolicy, parse_retention
from webhooks.teams import TeamConfigError, load_teams

TEAM = (
    "id: a\nname: A\nshort_name: A\nnumbers: ['+442079460100']\n"
    "crisis_line: {name: NHS 111, number: '111'}\nflows: [south_essex]\n"
)


def test_every_shipped_team_sets_a_policy_keeping_conversations_weeks_and_referrals_years() -> None:
    teams = load_teams(PROJECT_ROOT / "data" / "teams").teams.values()
    for team in teams:
        assert team.retention is not None, team.id
        assert team.retention.conversations_without_referral_days == 30
        assert team.retention.closed_referrals_days >= 6 * 365


def test_it_reads_the_days_and_gives_each_cutoff() -> None:
    policy = parse_retention(
        {"conversations_without_referral_days": 30, "closed_referrals_days": 2190}, "a.yml"
    )
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert policy == RetentionPolicy(30, 2190)
    assert policy.conversations_cutoff(now) == now - timedelta(days=30)
    assert policy.closed_referrals_cutoff(now) == now - timedelta(days=2190)


def test_a_team_file_without_one_purges_nothing() -> None:
    assert parse_retention(None, "a.yml") is None


@pytest.mark.parametrize("days", [0, -1, 1.5, "30", "30d", True, None])
def test_days_that_are_not_a_whole_number_above_zero_are_refused(days: Any) -> None:
    with pytest.raises(RetentionError, match=r"a\.yml: retention\.closed_referrals_days must be"):
        parse_retention(
            {"conversations_without_referral_days": 30, "closed_referrals_days": days}, "a.yml"
        )


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"conversations_without_referral_days": 30}, "closed_referrals_days is missing"),
        (
            {"conversations_without_referral_days": 30, "closed_referrals_days": 9, "notes": 1},
            "retention.notes is not one of",
        ),
        ([30, 2190], "retention must be a mapping"),
    ],
)
def test_a_policy_missing_a_kind_or_naming_an_unknown_one_is_refused(raw: Any, named: str) -> None:
    with pytest.raises(RetentionError, match=named):
        parse_retention(raw, "a.yml")


def test_loading_the_teams_stops_at_a_bad_policy_naming_the_team_file(tmp_path: Path) -> None:
    policy = {"retention": {"conversations_without_referral_days": 0, "closed_referrals_days": 9}}
    (tmp_path / "a-team.yml").write_text(TEAM + yaml.safe_dump(policy))
    with pytest.raises(TeamConfigError, match=r"^a-team\.yml: retention\.conversations_without"):
        load_teams(tmp_path)

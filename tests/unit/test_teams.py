"""The three seed services ship as team config, each reached by its own number."""

from __future__ import annotations

from pathlib import Path

import pytest

from webhooks.config import PROJECT_ROOT
from webhooks.teams import TeamConfigError, load_teams

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")


@pytest.mark.parametrize(
    ("number", "team_id"),
    [
        ("+442079460100", "together-london"),
        ("+441214960200", "coventry-warwickshire"),
        ("+441134960300", "south-essex"),
    ],
)
def test_it_finds_the_team_by_the_number_contacted(number: str, team_id: str) -> None:
    team = TEAMS.by_number(number)
    assert team is not None
    assert team.id == team_id


def test_it_knows_no_team_for_another_number() -> None:
    assert TEAMS.by_number("+447911123456") is None


def test_coventry_gives_its_crisis_line_not_its_office_phone() -> None:
    team = TEAMS.by_id("coventry-warwickshire")
    assert team is not None
    assert team.crisis_line.number == "+448081866798"
    assert team.crisis_line.display == "0808 186 6798"
    assert team.office["phone"] != team.crisis_line.number


def test_coventry_hours_follow_the_source() -> None:
    team = TEAMS.by_id("coventry-warwickshire")
    assert team is not None
    [custody] = team.hours.pathways["custody"].windows
    assert (custody.opens, custody.closes, len(custody.weekdays)) == (7 * 60 + 30, 20 * 60, 7)
    [court] = team.hours.pathways["court"].windows
    assert 5 in court.weekdays and 6 not in court.weekdays  # Saturday yes, Sunday no
    assert team.hours.pickup == "reception"


def test_it_refuses_a_number_shared_by_two_teams(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.yml").write_text(
            f"id: {name}\nname: {name}\nshort_name: {name}\nnumbers: ['+442079460100']\n"
            "crisis_line: {name: NHS 111, number: '111'}\nflows: [south_essex]\n"
        )
    with pytest.raises(TeamConfigError, match="already belongs to a"):
        load_teams(tmp_path)


def test_it_refuses_a_team_without_a_crisis_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "id: a\nname: A\nshort_name: A\nnumbers: ['+442079460100']\nflows: [south_essex]\n"
    )
    with pytest.raises(TeamConfigError, match="crisis_line"):
        load_teams(tmp_path)

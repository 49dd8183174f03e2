"""Service hours in London time: weekends, bank holidays, and the nights the clocks change."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from webhooks.config import PROJECT_ROOT
from webhooks.core.out_of_hours import when_phrase
from webhooks.hours import HoursError, ServiceHours, parse_hours
from webhooks.teams import load_teams
from webhooks.wording import Wording

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def hours(team_id: str) -> ServiceHours:
    team = TEAMS.by_id(team_id)
    assert team is not None
    return team.hours


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-11-24T08:29:00+00:00", False),  # Tuesday, a minute before reception opens
        ("2026-11-24T08:30:00+00:00", True),
        ("2026-11-24T16:29:00+00:00", True),
        ("2026-11-24T16:30:00+00:00", False),
        ("2026-06-16T07:45:00+00:00", True),  # 08:45 in summer time (BST)
        ("2026-06-16T15:45:00+00:00", False),  # 16:45 BST, though 15:45 UTC
        ("2026-11-22T10:00:00+00:00", False),  # Sunday
        ("2026-12-25T10:00:00+00:00", False),  # Christmas Day, a Friday
        ("2026-12-28T10:00:00+00:00", False),  # Boxing Day (substitute), a Monday
    ],
)
def test_coventry_reception_keeps_its_hours(moment: str, is_open: bool) -> None:
    assert hours("coventry-warwickshire").is_open(at(moment)) is is_open


def test_coventry_custody_works_on_sundays_and_bank_holidays() -> None:
    assert hours("coventry-warwickshire").is_open(at("2026-12-25T12:00:00+00:00"), "custody")
    assert not hours("coventry-warwickshire").is_open(at("2026-12-25T20:30:00+00:00"), "custody")


def test_coventry_court_sits_on_saturday_not_sunday() -> None:
    coventry = hours("coventry-warwickshire")
    assert coventry.is_open(at("2026-11-21T10:00:00+00:00"), "court")
    assert not coventry.is_open(at("2026-11-22T10:00:00+00:00"), "court")


@pytest.mark.parametrize(
    "moment",
    ["2026-11-22T03:00:00+00:00", "2026-12-25T03:00:00+00:00", "2026-03-29T01:30:00+00:00"],
)
def test_south_essex_never_closes(moment: str) -> None:
    assert hours("south-essex").is_open(at(moment))


@pytest.mark.parametrize(
    ("moment", "reopens"),
    [
        # A weekday night: tomorrow morning.
        ("2026-11-24T22:00:00+00:00", "2026-11-25T08:30:00+00:00"),
        # Sunday: Monday morning.
        ("2026-11-22T10:00:00+00:00", "2026-11-23T08:30:00+00:00"),
        # Christmas Day: Saturday, Sunday and the Boxing Day substitute are closed.
        ("2026-12-25T10:00:00+00:00", "2026-12-29T08:30:00+00:00"),
        # The night the clocks go back (25 October 2026): Monday 08:30 is GMT again.
        ("2026-10-25T00:30:00+00:00", "2026-10-26T08:30:00+00:00"),
        # The night the clocks go forward (29 March 2026): Monday 08:30 BST is 07:30 UTC.
        ("2026-03-29T00:30:00+00:00", "2026-03-30T07:30:00+00:00"),
    ],
)
def test_it_knows_when_coventry_reception_reopens(moment: str, reopens: str) -> None:
    opening = hours("coventry-warwickshire").next_opening(at(moment))
    assert opening is not None
    assert opening.astimezone(timezone.utc) == at(reopens)


@pytest.mark.parametrize(
    ("moment", "opening", "words"),
    [
        ("2026-11-24T06:00:00+00:00", "2026-11-24T08:30:00+00:00", "today at 8:30am"),
        ("2026-11-24T22:00:00+00:00", "2026-11-25T08:30:00+00:00", "tomorrow morning at 8:30am"),
        ("2026-11-21T22:00:00+00:00", "2026-11-23T08:30:00+00:00", "on Monday morning at 8:30am"),
        ("2026-12-25T10:00:00+00:00", "2026-12-29T08:30:00+00:00", "on Tuesday morning at 8:30am"),
        ("2026-12-20T10:00:00+00:00", "2026-12-29T09:00:00+00:00", "on Tuesday 29 December at 9am"),
    ],
)
def test_it_says_when_in_words(moment: str, opening: str, words: str) -> None:
    assert when_phrase(at(opening), at(moment), WORDING) == words


def test_a_window_must_open_before_it_closes() -> None:
    with pytest.raises(HoursError, match="open before it closes"):
        parse_hours(
            {"office": {"windows": [{"days": ["mon"], "open": "17:00", "close": "09:00"}]}},
            "office",
            "x.yml",
        )


def test_the_pickup_pathway_must_exist() -> None:
    with pytest.raises(HoursError, match="pickup 'desk'"):
        parse_hours({}, "desk", "x.yml")


def test_it_knows_what_else_is_open_and_until_when() -> None:
    coventry = hours("coventry-warwickshire")
    saturday = at("2026-11-28T10:00:00+00:00")
    working = [(p.called, closes.strftime("%H:%M")) for p, closes in coventry.others_open(saturday)]
    assert working == [("the custody team", "20:00"), ("the court team", "16:30")]
    # Custody closes at 20:00: at 20:00 nothing else is open.
    assert coventry.others_open(at("2026-11-28T20:00:00+00:00")) == []

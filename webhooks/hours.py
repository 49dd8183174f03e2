"""Service hours per team and pathway, in Europe/London, closed on bank holidays.

`data/teams/*.yml` gives each pathway's weekly windows; a team's `pickup` pathway decides
when a practitioner will pick up a referral the bot took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOOKAHEAD_DAYS = 14


class HoursError(ValueError):
    """A team's hours are malformed; the message says where."""


@dataclass(frozen=True)
class Window:
    """Open from `opens` to `closes` minutes after midnight (local) on these weekdays."""

    weekdays: frozenset[int]
    opens: int
    closes: int


@dataclass(frozen=True)
class Pathway:
    """One part of a service (reception, custody, court…) with its weekly hours."""

    name: str
    windows: tuple[Window, ...]
    open_on_bank_holidays: bool
    # How a person hears of it: "the custody team". None: never named to people.
    called: str | None = None


@dataclass(frozen=True)
class ServiceHours:
    """A team's pathways, and which one picks up the bot's referrals."""

    pathways: dict[str, Pathway]
    pickup: str | None

    def is_open(self, moment: datetime, pathway: str | None = None) -> bool:
        """Whether the pathway (default: the pickup one) is open at this moment."""
        chosen = self._pathway(pathway)
        if chosen is None:
            return False
        local = moment.astimezone(LONDON)
        if is_bank_holiday(local.date()) and not chosen.open_on_bank_holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(
            local.weekday() in window.weekdays and window.opens <= minute < window.closes
            for window in chosen.windows
        )

    def next_opening(self, moment: datetime, pathway: str | None = None) -> datetime | None:
        """The moment it next opens (this moment if open now); None if hours are unknown."""
        chosen = self._pathway(pathway)
        if chosen is None:
            return None
        if self.is_open(moment, pathway):
            return moment
        local = moment.astimezone(LONDON)
        for offset in range(_LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            if is_bank_holiday(day) and not chosen.open_on_bank_holidays:
                continue
            for window in sorted(chosen.windows, key=lambda w: w.opens):
                if day.weekday() not in window.weekdays:
                    continue
                opening = datetime.combine(day, _clock(window.opens), tzinfo=LONDON)
                if opening > local:
                    return opening
        return None

    def closes_at(self, moment: datetime, pathway: str) -> datetime | None:
        """When the pathway's window open at this moment closes (London time); None if
        it is closed now."""
        if not self.is_open(moment, pathway):
            return None
        local = moment.astimezone(LONDON)
        minute = local.hour * 60 + local.minute
        closes = max(
            window.closes
            for window in self.pathways[pathway].windows
            if local.weekday() in window.weekdays and window.opens <= minute < window.closes
        )
        return datetime.combine(local.date(), time(0), tzinfo=LONDON) + timedelta(minutes=closes)

    def others_open(self, moment: datetime) -> list[tuple[Pathway, datetime]]:
        """The pathways people are told of, other than the pickup one, open at this moment,
        each with when it closes; soonest to close last."""
        found = [
            (pathway, closes)
            for name, pathway in self.pathways.items()
            if name != self.pickup
            and pathway.called
            and (closes := self.closes_at(moment, name)) is not None
        ]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def _pathway(self, pathway: str | None) -> Pathway | None:
        name = pathway or self.pickup
        return self.pathways.get(name) if name else None


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    # England and Wales share their bank holidays; ENG is the package's code for both.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_bank_holiday(day: date) -> bool:
    """Whether the day is a bank holiday in England."""
    return day in _bank_holidays(day.year)


def parse_hours(raw: dict[str, Any], pickup: str | None, where: str) -> ServiceHours:
    """Build ServiceHours from a team file's `hours` mapping."""
    pathways = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "windows" not in spec:
            raise HoursError(f"{where}: hours.{name} needs a windows list")
        bank = spec.get("bank_holidays", "closed")
        if bank not in ("open", "closed"):
            raise HoursError(f"{where}: hours.{name}.bank_holidays must be open or closed")
        called = spec.get("called")
        if called is not None and not isinstance(called, str):
            raise HoursError(f"{where}: hours.{name}.called must be words, e.g. the custody team")
        pathways[name] = Pathway(
            name=name,
            windows=tuple(_window(w, f"{where}: hours.{name}") for w in spec["windows"]),
            open_on_bank_holidays=bank == "open",
            called=called,
        )
    if pickup is not None and pickup not in pathways:
        raise HoursError(f"{where}: pickup {pickup!r} is not one of the hours' pathways")
    return ServiceHours(pathways=pathways, pickup=pickup)


def _window(raw: Any, where: str) -> Window:
    try:
        weekdays = frozenset(DAYS.index(day) for day in raw["days"])
        opens, closes = _minutes(raw["open"]), _minutes(raw["close"])
    except (KeyError, TypeError, ValueError) as error:
        raise HoursError(f"{where}: each window needs days (mon..sun), open and close") from error
    if not opens < closes:
        raise HoursError(f"{where}: a window must open before it closes")
    return Window(weekdays=weekdays, opens=opens, closes=closes)


def _minutes(clock: str) -> int:
    hours, minutes = (int(part) for part in str(clock).split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(clock)
    return hours * 60 + minutes

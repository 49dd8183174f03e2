"""Dates as people write, key and say them: a birthday in the past, a court date ahead."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flows import spoken
from flows.errors import AnswerError

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")
_KEYPAD_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+),?\s+(\d{4})$")
_OLDEST_AGE_YEARS = 120
# A court or interview date more than this far ahead is a typing slip.
_FURTHEST_AHEAD_DAYS = 2 * 366


class DateError(ValueError):
    """Not a date, or not a plausible one."""


def parse_date(text: str, today: date, future: bool = False) -> date:
    """Read a date; `future` for dates still to come (relative words allowed then)."""
    lowered = " ".join(text.lower().replace(",", " ").split())
    try:
        if future:
            relative = _relative(lowered, today)
            if relative is not None:
                return relative
        day, month, year = _date_parts(lowered, today, future)
    except DateError as error:
        raise AnswerError(str(error)) from error
    if year < 100:
        # Two-digit years: a birth year is in the past ("91" is 1991), a court date ahead.
        year += 2000 if future or 2000 + year <= today.year else 1900
    try:
        parsed = date(year, month, day)
    except ValueError as error:
        raise AnswerError("no such date") from error
    if future:
        if parsed < today or (parsed - today).days > _FURTHEST_AHEAD_DAYS:
            raise AnswerError("not a coming date")
    else:
        if parsed > today:
            raise AnswerError("in the future")
        if today.year - parsed.year > _OLDEST_AGE_YEARS:
            raise AnswerError("too long ago")
    return parsed


def _relative(text: str, today: date) -> date | None:
    words = [w for w in text.split() if w not in ("on", "this", "the", "coming")]
    if words == ["today"]:
        return today
    if words == ["tomorrow"]:
        return today + timedelta(days=1)
    if words[:1] == ["next"]:
        words = words[1:]
    if len(words) == 1 and words[0] in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[0]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def _date_parts(text: str, today: date, future: bool) -> tuple[int, int, int]:
    for pattern in (_NUMERIC_DATE, _KEYPAD_DATE):
        match = pattern.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return day, month, year
    match = _WORDY_DATE.match(text)
    if match and match.group(2) in _MONTHS:
        return int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    if future:
        # A date ahead is often given without a year: "12/3", "12th March".
        without_year = _without_year(text)
        if without_year is not None:
            day, month = without_year
            year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
            return day, month, year
    return _spoken_date(text)


def _without_year(text: str) -> tuple[int, int] | None:
    match = _DAY_MONTH.match(text)
    if match:
        return int(match.group(1)), int(match.group(2))
    tokens = [t for t in text.split() if t not in ("the", "of")]
    months = [i for i, token in enumerate(tokens) if token in _MONTHS]
    if len(months) != 1:
        return None
    at = months[0]
    day_tokens = tokens[:at] if at > 0 else tokens[1:]
    day = spoken.small_number(day_tokens)
    return (day, _MONTHS[tokens[at]]) if day is not None else None


def _spoken_date(text: str) -> tuple[int, int, int]:
    """ "third of April nineteen ninety one", "April the 3rd 1991", "the 3rd of April 1991"."""
    tokens = [t for t in text.split() if t not in ("the", "of")]
    months = [index for index, token in enumerate(tokens) if token in _MONTHS]
    if len(months) != 1:
        raise DateError("not a date")
    at = months[0]
    month = _MONTHS[tokens[at]]
    day: int | None = None
    year_tokens: list[str] = []
    if at > 0:  # day first
        day, year_tokens = spoken.small_number(tokens[:at]), tokens[at + 1 :]
    else:  # month first: one or two day words, then the year
        for split in (2, 1):
            day = spoken.small_number(tokens[1 : 1 + split])
            year_tokens = tokens[1 + split :]
            if day is not None and spoken.year(year_tokens) is not None:
                break
    found_year = spoken.year(year_tokens)
    if day is None or found_year is None:
        raise DateError("not a date")
    return day, month, found_year

"""Turn what a person typed or said into a clean, typed answer, the same on every channel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from flows import spoken
from flows.model import Question

AnswerValue = str | bool

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "yea",
    "ye",
    "ok",
    "okay",
    "sure",
    "i do",
    "i agree",
    "agree",
    "correct",
    "aye",
    "of course",
    "yes please",
}
_NO = {
    "no",
    "n",
    "nope",
    "nah",
    "no thanks",
    "i don't",
    "i do not",
    "don't",
    "do not",
    "disagree",
    "i disagree",
    "no way",
}
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
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})$")
_KEYPAD_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+),?\s+(\d{4})$")
_OLDEST_AGE_YEARS = 120


class AnswerError(ValueError):
    """The text is not a usable answer; the flow's retry wording says how to answer."""


@dataclass(frozen=True)
class Answer:
    """A parsed answer: the typed value stored, and how a practitioner reads it."""

    value: AnswerValue
    display: str


def parse_answer(question: Question, text: str, today: date | None = None) -> Answer:
    """Parse `text` as an answer to `question`, or raise AnswerError."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AnswerError("empty")
    if question.kind == "text":
        return _parse_text(cleaned, question.max_length)
    if question.kind == "date":
        return _parse_date(cleaned, today or date.today())
    if question.kind == "uk_phone":
        return _parse_uk_phone(cleaned)
    if question.kind == "yes_no":
        return _parse_yes_no(cleaned)
    raise AnswerError(f"unknown kind {question.kind}")


def _parse_text(text: str, max_length: int) -> Answer:
    if len(text) > max_length:
        raise AnswerError("too long")
    return Answer(value=text, display=text)


def _parse_yes_no(text: str) -> Answer:
    word = text.lower().strip(" .!")
    # "1" and "2" are the numbered replies the SMS and keypad renderings offer.
    if word in _YES or word == "1":
        return Answer(value=True, display="Yes")
    if word in _NO or word == "2":
        return Answer(value=False, display="No")
    raise AnswerError("not yes or no")


def _parse_uk_phone(text: str) -> Answer:
    if any(character.isalpha() for character in text):
        text = spoken.digits(text)  # "oh seven nine one one…" as a speech recogniser wrote it
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException as error:
        raise AnswerError("not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise AnswerError("not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return Answer(value=e164, display=national)


def _parse_date(text: str, today: date) -> Answer:
    lowered = text.lower()
    day, month, year = _date_parts(lowered)
    if year < 100:
        # Two-digit years are people's birth years: "91" is 1991, "05" is 2005.
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        parsed = date(year, month, day)
    except ValueError as error:
        raise AnswerError("no such date") from error
    if parsed > today:
        raise AnswerError("in the future")
    if today.year - parsed.year > _OLDEST_AGE_YEARS:
        raise AnswerError("too long ago")
    return Answer(value=parsed.isoformat(), display=parsed.strftime("%d/%m/%Y"))


def _date_parts(text: str) -> tuple[int, int, int]:
    for pattern in (_NUMERIC_DATE, _KEYPAD_DATE):
        match = pattern.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return day, month, year
    match = _WORDY_DATE.match(text)
    if match and match.group(2) in _MONTHS:
        return int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    return _spoken_date(text)


def _spoken_date(text: str) -> tuple[int, int, int]:
    """ "third of April nineteen ninety one", "April the 3rd 1991", "the 3rd of April 1991"."""
    tokens = [t for t in text.replace(",", " ").split() if t not in ("the", "of")]
    months = [index for index, token in enumerate(tokens) if token in _MONTHS]
    if len(months) != 1:
        raise AnswerError("not a date")
    at = months[0]
    month = _MONTHS[tokens[at]]
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
        raise AnswerError("not a date")
    return day, month, found_year


def display_value(question: Question, value: AnswerValue | None) -> str:
    """How a practitioner reads a stored (canonical) value; empty when unanswered."""
    if value is None:
        return ""
    if question.kind == "yes_no":
        return "Yes" if value is True else "No"
    if question.kind == "date":
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    if question.kind == "uk_phone":
        number = phonenumbers.parse(str(value), "GB")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return str(value)

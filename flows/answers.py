"""Turn what a person typed, keyed or said into a clean, typed answer, the same on every channel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from flows import choices, dates, spoken
from flows.conditions import SKIPPED
from flows.errors import AnswerError
from flows.model import DOCUMENT_CHOICES, Question

AnswerValue = str | bool | int | list[str]
DOCUMENTS_SENT = DOCUMENT_CHOICES[-1]

YES_WORDS = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "yea",
    "ye",
    "yes please",
    "ok",
    "okay",
    "sure",
    "i do",
    "i am",
    "i agree",
    "agree",
    "correct",
    "aye",
    "of course",
    "definitely",
    "that's right",
    "thats right",
    "right",
}
NO_WORDS = {
    "no",
    "n",
    "nope",
    "nah",
    "na",
    "no thanks",
    "no thank you",
    "i don't",
    "i dont",
    "i do not",
    "i'm not",
    "im not",
    "don't",
    "dont",
    "do not",
    "disagree",
    "i disagree",
    "no way",
    "never",
    "not really",
}
# Words that say a plain yes or no is not meant ("yes but not sure").
_UNSURE = {"maybe", "not sure", "unsure", "don't know", "dont know", "perhaps", "depends"}
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NUMBER_IN_TEXT = re.compile(r"\d+")


@dataclass(frozen=True)
class Answer:
    """A parsed answer: the typed value stored, and how a practitioner reads it."""

    value: AnswerValue
    display: str


def parse_answer(
    question: Question, text: str, today: date | None = None, documents: int = 0
) -> Answer:
    """Parse `text` as an answer to `question`, or raise AnswerError.

    `documents` is how many files the conversation has received: "I have sent them" is
    no answer until one has arrived.
    """
    cleaned = " ".join(text.replace("\u2019", "'").split())
    if not cleaned:
        raise AnswerError("empty")
    day = today or date.today()
    if question.kind == "text":
        return _parse_text(cleaned, question.max_length)
    if question.kind == "date":
        value = dates.parse_date(cleaned, day, future=question.tense == "future")
        return Answer(value=value.isoformat(), display=value.strftime("%d/%m/%Y"))
    if question.kind == "uk_phone":
        return _parse_uk_phone(cleaned)
    if question.kind == "yes_no":
        return _parse_yes_no(cleaned)
    if question.kind == "number":
        return _parse_number(cleaned, question)
    if question.kind == "postcode":
        return _parse_postcode(cleaned)
    if question.kind == "single":
        option = choices.one_option(question.options, cleaned)
        return Answer(value=option.value, display=option.label)
    if question.kind == "documents":
        option = choices.one_option(question.options, cleaned)
        if option.value == DOCUMENTS_SENT and documents < 1:
            raise AnswerError("no file received yet")
        return Answer(value=option.value, display=option.label)
    if question.kind == "multi":
        picked = choices.several_options(question.options, cleaned)
        return Answer(value=[o.value for o in picked], display=", ".join(o.label for o in picked))
    raise AnswerError(f"unknown kind {question.kind}")


def _parse_text(text: str, max_length: int) -> Answer:
    if len(text) > max_length:
        raise AnswerError("too long")
    return Answer(value=text, display=text)


def _parse_yes_no(text: str) -> Answer:
    said = " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())
    if any(phrase in said for phrase in _UNSURE):
        raise AnswerError("not sure")
    # "1" and "2" are the numbered replies the SMS and keypad renderings offer.
    if said in YES_WORDS or said in ("1", "one"):
        return Answer(value=True, display="Yes")
    if said in NO_WORDS or said in ("2", "two"):
        return Answer(value=False, display="No")
    # "yes I do", "no not at the moment": the first word decides, if nothing contradicts it.
    words = said.split()
    first = words[0] if words else ""
    rest = set(words[1:])
    if first in YES_WORDS and not rest & {"no", "not", "don't", "dont", "never"}:
        return Answer(value=True, display="Yes")
    if first in {"no", "nope", "nah", "never"} and not rest & {"yes", "yeah"}:
        return Answer(value=False, display="No")
    raise AnswerError("not yes or no")


def yes_or_no(text: str) -> bool | None:
    """A yes (True) or a no (False) as a yes/no question reads it; None when unclear."""
    try:
        return bool(_parse_yes_no(text).value)
    except AnswerError:
        return None


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


def _parse_number(text: str, question: Question) -> Answer:
    found = _NUMBER_IN_TEXT.findall(text)
    if len(found) == 1:
        value = int(found[0])
    elif not found:
        words = [w for w in text.lower().replace("-", " ").split() if w not in ("i'm", "im")]
        spoken_value = spoken.number_in(words)
        if spoken_value is None:
            raise AnswerError("not a number")
        value = spoken_value
    else:
        raise AnswerError("more than one number")
    if question.minimum is not None and value < question.minimum:
        raise AnswerError("too small")
    if question.maximum is not None and value > question.maximum:
        raise AnswerError("too big")
    return Answer(value=value, display=str(value))


def _parse_postcode(text: str) -> Answer:
    compact = "".join(text.upper().split())
    if not _POSTCODE.match(compact):
        compact = spoken.letters_and_digits(text).upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise AnswerError("not a postcode")
    formatted = f"{match.group(1)} {match.group(2)}"
    return Answer(value=formatted, display=formatted)


def display_value(question: Question, value: object) -> str:
    """How a practitioner reads a stored (canonical) value; empty when unanswered."""
    if value is None:
        return ""
    if value == SKIPPED:
        return "Skipped"
    if question.kind == "yes_no":
        return "Yes" if value is True else "No"
    if question.kind == "date":
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    if question.kind == "uk_phone":
        number = phonenumbers.parse(str(value), "GB")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if question.kind in ("single", "multi", "documents"):
        values = value if isinstance(value, list) else [value]
        labels = {option.value: option.label for option in question.options}
        return ", ".join(labels.get(str(item), str(item)) for item in values)
    return str(value)

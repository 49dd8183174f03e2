"""Answer parsing: the ways people actually write dates, numbers and yes or no."""

from __future__ import annotations

from datetime import date

import pytest

from flows import AnswerError, Question, display_value, parse_answer

TODAY = date(2026, 11, 22)
DATE = Question(id="dob", kind="date", label="Date of birth", ask="?", retry="!")
PHONE = Question(id="phone", kind="uk_phone", label="Phone", ask="?", retry="!")
YES_NO = Question(id="consent", kind="yes_no", label="Consent", ask="?", retry="!")
NAME = Question(id="name", kind="text", label="Name", ask="?", retry="!", max_length=20)


@pytest.mark.parametrize(
    "text",
    [
        "03/04/1991",
        "3/4/1991",
        "3/4/91",
        "03-04-1991",
        "03.04.1991",
        "03 04 1991",
        "03041991",
        "3rd April 1991",
        "3 April 1991",
        "3 apr 1991",
        "3rd of April 1991",
        " 03/04/1991 ",
        "03 / 04 / 1991",
        "3RD APRIL 1991",
        "3 April, 1991",
    ],
)
def test_it_reads_a_date_of_birth_written_many_ways(text: str) -> None:
    assert parse_answer(DATE, text, today=TODAY).value == "1991-04-03"


@pytest.mark.parametrize(("text", "expected"), [("1/1/05", "2005-01-01"), ("1/1/30", "1930-01-01")])
def test_it_puts_two_digit_years_in_the_right_century(text: str, expected: str) -> None:
    assert parse_answer(DATE, text, today=TODAY).value == expected


@pytest.mark.parametrize(
    "text", ["31/02/1990", "tomorrow", "1/1/2030", "12/13/1990", "1/1/1850", "", "1991"]
)
def test_it_refuses_what_is_not_a_plausible_date_of_birth(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(DATE, text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "07911 123456",
        "07911123456",
        "+447911123456",
        "+44 7911 123456",
        "0044 7911 123456",
        "(07911) 123456",
        "07911-123-456",
        "7911 123456",
    ],
)
def test_it_stores_uk_mobile_numbers_in_e164(text: str) -> None:
    assert parse_answer(PHONE, text).value == "+447911123456"


def test_it_accepts_a_landline() -> None:
    assert parse_answer(PHONE, "020 7946 0100").value == "+442079460100"


@pytest.mark.parametrize("text", ["123", "call me", "07911", "999"])
def test_it_refuses_what_is_not_a_phone_number(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(PHONE, text)


@pytest.mark.parametrize("text", ["yes", "Yes", "Y", "yeah", "yep", "ok", "I agree", "1", "yes."])
def test_it_reads_yes(text: str) -> None:
    assert parse_answer(YES_NO, text).value is True


@pytest.mark.parametrize("text", ["no", "No", "N", "nope", "nah", "no thanks", "2", "I do not"])
def test_it_reads_no(text: str) -> None:
    assert parse_answer(YES_NO, text).value is False


def test_it_does_not_guess_at_maybe() -> None:
    with pytest.raises(AnswerError):
        parse_answer(YES_NO, "maybe")


def test_it_keeps_free_text_but_caps_its_length() -> None:
    assert parse_answer(NAME, "  Sam   Jones ").value == "Sam Jones"
    with pytest.raises(AnswerError):
        parse_answer(NAME, "x" * 21)


@pytest.mark.parametrize(
    ("question", "value", "shown"),
    [
        (DATE, "1991-04-03", "03/04/1991"),
        (PHONE, "+447911123456", "07911 123456"),
        (YES_NO, True, "Yes"),
        (YES_NO, False, "No"),
        (NAME, "Sam", "Sam"),
        (NAME, None, ""),
    ],
)
def test_it_shows_stored_values_as_a_practitioner_reads_them(
    question: Question, value: str | bool | None, shown: str
) -> None:
    assert display_value(question, value) == shown


@pytest.mark.parametrize(
    "text",
    [
        "third of April nineteen ninety one",
        "the third of april nineteen ninety-one",
        "April the third nineteen ninety one",
        "April 3rd 1991",
        "april third 1991",
        "3rd of April, 1991",
        "three April nineteen ninety one",
    ],
)
def test_it_reads_a_spoken_date(text: str) -> None:
    assert parse_answer(DATE, text.replace("-", " "), today=TODAY).value == "1991-04-03"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty first of June two thousand and five", "2005-06-21"),
        ("first of May twenty oh five", "2005-05-01"),
        ("thirtieth December nineteen eighty", "1980-12-30"),
    ],
)
def test_it_reads_spoken_years(text: str, expected: str) -> None:
    assert parse_answer(DATE, text, today=TODAY).value == expected


@pytest.mark.parametrize(
    "text",
    [
        "oh seven nine one one one two three four five six",
        "zero seven nine one one double one two three four five six".replace("double one", "one"),
        "oh seven nine double one one two three four five six",
        "plus four four seven nine one one one two three four five six",
        "07911 123 456",
    ],
)
def test_it_reads_a_spoken_phone_number(text: str) -> None:
    assert parse_answer(PHONE, text).value == "+447911123456"

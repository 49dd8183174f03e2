"""Answer parsing: the ways people actually write dates, numbers and yes or no."""

from __future__ import annotations

from datetime import date

import pytest

from flows import AnswerError, Option, Question, Wording, display_value, load_flows, parse_answer
from flows.choices import names_exactly

TODAY = date(2026, 11, 22)
ASK, RETRY = Wording("?"), Wording("!")
DATE = Question(id="dob", kind="date", label="Date of birth", ask=ASK, retry=RETRY)
PHONE = Question(id="phone", kind="uk_phone", label="Phone", ask=ASK, retry=RETRY)
YES_NO = Question(id="consent", kind="yes_no", label="Consent", ask=ASK, retry=RETRY)
NAME = Question(id="name", kind="text", label="Name", ask=ASK, retry=RETRY, max_length=20)


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


# --- every answer kind, at least 15 real-world variants each (typed, keyed and spoken) ---

NUMBER = Question(
    id="age", kind="number", label="Age", ask=ASK, retry=RETRY, minimum=0, maximum=120
)
POSTCODE = Question(id="postcode", kind="postcode", label="Postcode", ask=ASK, retry=RETRY)
COURT_DATE = Question(
    id="next_date", kind="date", label="Court date", ask=ASK, retry=RETRY, tense="future"
)
SINGLE = Question(
    id="status",
    kind="single",
    label="Status",
    ask="?",
    retry="!",
    options=(
        Option("in_custody", "In police custody now", ("custody", "in the cells", "arrested")),
        Option("bail", "On bail", ("bailed", "police bail")),
        Option("remand", "On remand", ("remanded",)),
        Option("not_sure", "Not sure", ("dont know", "don't know", "no idea")),
    ),
)
MULTI = Question(
    id="links",
    kind="multi",
    label="Links",
    ask="?",
    retry="!",
    options=(
        Option("gp", "A GP", ("gp", "doctor")),
        Option("probation", "Probation", ("probation officer",)),
        Option("drug_alcohol", "A drug and alcohol worker", ("drug worker", "drug and alcohol")),
        Option("mental_health_team", "A community mental health team", ("cmht",)),
        Option("none", "None of these", ("none", "nothing"), exclusive=True),
    ),
)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes",
        "YES",
        "y",
        "yeah",
        "yep",
        "yup",
        "ok",
        "sure",
        "I agree",
        "1",
        "one",
        "yes please",
        "yes I do",
        "yeah that's fine",
        "Yes.",
        "aye",
        "of course",
    ],
)
def test_it_reads_yes_in_many_ways(text: str) -> None:
    assert parse_answer(YES_NO, text).value is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No",
        "NO",
        "n",
        "nope",
        "nah",
        "no thanks",
        "no thank you",
        "2",
        "two",
        "I do not",
        "i dont",
        "no not really",
        "never",
        "not really",
        "No.",
    ],
)
def test_it_reads_no_in_many_ways(text: str) -> None:
    assert parse_answer(YES_NO, text).value is False


@pytest.mark.parametrize("text", ["maybe", "not sure", "yes and no", "dunno", "3", "yes but no"])
def test_it_does_not_guess_yes_or_no(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(YES_NO, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17", 17),
        ("I'm 17", 17),
        ("17 years old", 17),
        ("seventeen", 17),
        ("i'm seventeen", 17),
        ("twenty five", 25),
        ("twenty-five", 25),
        ("25yrs", 25),
        ("age 40", 40),
        ("forty", 40),
        ("0", 0),
        ("one hundred and two", 102),
        ("a hundred", 100),
        (" 63 ", 63),
        ("about 30", 30),
    ],
)
def test_it_reads_a_number_written_or_spoken(text: str, expected: int) -> None:
    assert parse_answer(NUMBER, text).value == expected


@pytest.mark.parametrize("text", ["old", "130", "12 or 13", "-"])
def test_it_refuses_what_is_not_a_number_in_range(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(NUMBER, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CV1 4FS", "CV1 4FS"),
        ("cv1 4fs", "CV1 4FS"),
        ("CV14FS", "CV1 4FS"),
        ("cv14fs", "CV1 4FS"),
        (" CV1  4FS ", "CV1 4FS"),
        ("SS1 2AA", "SS1 2AA"),
        ("ss12aa", "SS1 2AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("E1 6AN", "E1 6AN"),
        ("e16an", "E1 6AN"),
        ("RM17 6SL", "RM17 6SL"),
        ("C V one four F S", "CV1 4FS"),
        ("s s one two a a", "SS1 2AA"),
        ("CV1 four F S", "CV1 4FS"),
        ("e one six a n", "E1 6AN"),
    ],
)
def test_it_reads_a_postcode_typed_or_spelled_out(text: str, expected: str) -> None:
    assert parse_answer(POSTCODE, text).value == expected


@pytest.mark.parametrize("text", ["Coventry", "12345", "CV1", "no fixed abode", "C V"])
def test_it_refuses_what_is_not_a_postcode(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(POSTCODE, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2027", "2027-03-12"),
        ("12/3/27", "2027-03-12"),
        ("12-03-2027", "2027-03-12"),
        ("12032027", "2027-03-12"),
        ("12th March 2027", "2027-03-12"),
        ("12 march", "2027-03-12"),
        ("12/3", "2027-03-12"),
        ("March 12th", "2027-03-12"),
        ("the twelfth of March", "2027-03-12"),
        ("twelfth of march twenty twenty seven", "2027-03-12"),
        ("tomorrow", "2026-11-23"),
        ("today", "2026-11-22"),
        ("monday", "2026-11-23"),
        ("next Friday", "2026-11-27"),
        ("on wednesday", "2026-11-25"),
        ("30th November", "2026-11-30"),
    ],
)
def test_it_reads_a_coming_court_date(text: str, expected: str) -> None:
    assert parse_answer(COURT_DATE, text, today=TODAY).value == expected


@pytest.mark.parametrize("text", ["1/1/2020", "yesterday", "31/02/2027", "1/1/2035", "soon"])
def test_it_refuses_a_court_date_that_is_not_coming(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(COURT_DATE, text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "in_custody"),
        ("2", "bail"),
        ("two", "bail"),
        ("option 3", "remand"),
        ("On bail", "bail"),
        ("on bail", "bail"),
        ("bail", "bail"),
        ("bailed", "bail"),
        ("I'm on police bail", "bail"),
        ("remanded", "remand"),
        ("in the cells", "in_custody"),
        ("I've been arrested", "in_custody"),
        ("dont know", "not_sure"),
        ("no idea", "not_sure"),
        ("remnad", "remand"),
        ("Not sure.", "not_sure"),
    ],
)
def test_it_picks_one_option_by_number_word_or_near_spelling(text: str, expected: str) -> None:
    assert parse_answer(SINGLE, text).value == expected


@pytest.mark.parametrize("text", ["5", "0", "banana", "bail or remand"])
def test_it_refuses_what_is_not_one_option(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(SINGLE, text)


@pytest.mark.parametrize(
    ("text", "pressed"),
    [
        ("On bail", True),
        ("on bail.", True),
        ("2", True),
        ("remanded", True),
        ("5", False),
        ("I'm on police bail", False),
        ("on bail and I want to die", False),
    ],
)
def test_it_tells_a_button_pressed_from_words_around_an_option(text: str, pressed: bool) -> None:
    # Only a pressed button is spared the intent model's crisis check, not a sentence.
    assert names_exactly(SINGLE.options, text) is pressed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", ["gp"]),
        ("1, 2", ["gp", "probation"]),
        ("1,2", ["gp", "probation"]),
        ("1 and 2", ["gp", "probation"]),
        ("1 2 4", ["gp", "probation", "mental_health_team"]),
        ("124", ["gp", "probation", "mental_health_team"]),
        ("2 & 3", ["probation", "drug_alcohol"]),
        ("GP", ["gp"]),
        ("gp and probation", ["gp", "probation"]),
        ("my GP and my probation officer", ["gp", "probation"]),
        ("drug and alcohol", ["drug_alcohol"]),
        ("a drug worker and the cmht", ["drug_alcohol", "mental_health_team"]),
        ("none", ["none"]),
        ("None of these", ["none"]),
        ("5", ["none"]),
        ("doctor, probation", ["gp", "probation"]),
    ],
)
def test_it_picks_several_options(text: str, expected: list[str]) -> None:
    assert parse_answer(MULTI, text).value == expected


@pytest.mark.parametrize("text", ["1 and none", "9", "gp and my cat", "nobody knows"])
def test_it_refuses_choices_it_cannot_read_or_that_contradict(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(MULTI, text)


@pytest.mark.parametrize(
    "text",
    [
        "Sam Jones",
        "sam jones",
        "SAM JONES",
        "Siobhán O'Neill",
        "Mohammed Al-Rashid",
        "Nguyễn Văn An",
        "Lee Stopped",
        "Dr. Ada Lovelace",
        "Jo",
        "Mary-Jane Watson-Smith",
        "Zoë Brown",
        "Kai",
        "Anna Maria de la Cruz",
        "O'Brien",
        "Li Wei",
    ],
)
def test_it_keeps_free_text_as_written(text: str) -> None:
    full_name = Question(id="name", kind="text", label="Name", ask=ASK, retry=RETRY)
    assert parse_answer(full_name, text).value == text


@pytest.mark.parametrize(
    "text",
    [
        "3rd of April 1991",
        "third april 1991",
        "the third of april nineteen ninety one",
        "april the third nineteen ninety one",
        "03 04 1991",
        "3.4.91",
        "03/04/91",
        "3-4-1991",
    ],
)
def test_more_ways_to_give_a_date_of_birth(text: str) -> None:
    assert parse_answer(DATE, text, today=TODAY).value == "1991-04-03"


@pytest.mark.parametrize(
    "text",
    [
        "07911 123 456",
        "07911-123456",
        "+44 (0) 7911 123456",
        "0 7 9 1 1 1 2 3 4 5 6",
        "zero seven nine one one one two three four five six",
        "oh seven nine one one, one two three, four five six",
        "447911123456",
    ],
)
def test_more_ways_to_give_a_mobile_number(text: str) -> None:
    assert parse_answer(PHONE, text).value == "+447911123456"


DOCUMENTS = load_flows()["together_london"].question("documents")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "none"),
        ("None to send", "none"),
        ("none", "none"),
        ("no", "none"),
        ("nothing", "none"),
        ("no documents", "none"),
        ("No thanks.", "none"),
        ("one", "none"),
        ("2", "email"),
        ("I will email them", "email"),
        ("email", "email"),
        ("by email", "email"),
        ("I'll email them", "email"),
        ("two", "email"),
        ("emailed", "email"),
        ("3", "sent"),
        ("I have sent them here", "sent"),
        ("done", "sent"),
        ("sent them", "sent"),
        ("uploaded", "sent"),
    ],
)
def test_it_reads_what_became_of_the_documents(text: str, expected: str) -> None:
    assert parse_answer(DOCUMENTS, text, documents=2).value == expected


@pytest.mark.parametrize("text", ["3", "done", "I have sent them here"])
def test_documents_are_not_sent_until_one_has_arrived(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(DOCUMENTS, text, documents=0)


TWELVE = Question(
    id="needs",
    kind="multi",
    label="Needs",
    ask=Wording("What would you like help with?"),
    retry=Wording("Please choose by number."),
    options=tuple(Option(f"n{number}", f"Need {number}") for number in range(1, 13)),
)


@pytest.mark.parametrize(
    ("keyed", "expected"),
    [
        ("145", ["n1", "n4", "n5"]),  # no option 145: keys one by one, as on a phone
        ("12", ["n12"]),  # option 12 exists
        ("10 3", ["n3", "n10"]),
        ("1, 11", ["n1", "n11"]),
    ],
)
def test_with_ten_or_more_choices_keys_are_read_as_a_caller_means(
    keyed: str, expected: list[str]
) -> None:
    assert parse_answer(TWELVE, keyed).value == expected

"""How the queue pages arrange what they show: the words that raised risk marked, answers
under their sections, page links that fit on a line, CSV cells no spreadsheet runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhooks.db.models import ReferralAnswer
from webhooks.web.queue.csv_download import cell, csv_text
from webhooks.web.queue.lists import page_links
from webhooks.web.queue.reading import grouped, marked


def test_the_words_the_safety_net_acted_on_are_marked_whatever_their_case() -> None:
    assert str(marked("I want to END  my life", ["end my life"])) == (
        "I want to <mark>END  my life</mark>"
    )


def test_marking_escapes_everything_else_the_person_wrote() -> None:
    assert str(marked("<b>he hits me</b>", ["hits me"])) == (
        "&lt;b&gt;he <mark>hits me</mark>&lt;/b&gt;"
    )


def test_evidence_that_is_not_in_the_words_marks_nothing() -> None:
    assert str(marked("I can't see a way out", ["learned model (0.97)"])) == (
        "I can&#39;t see a way out"
    )


def test_the_longest_phrase_is_marked_whole() -> None:
    assert str(marked("end my life", ["my life", "end my life"])) == "<mark>end my life</mark>"


def answer(question_id: str, section: str | None) -> ReferralAnswer:
    return ReferralAnswer(question_id=question_id, section=section, label=question_id)


def test_answers_are_grouped_as_the_flow_asked_them() -> None:
    answers = [
        answer("full_name", "about_you"),
        answer("date_of_birth", "about_you"),
        answer("contact_number", "contact"),
        answer("old_answer", None),
    ]
    groups = grouped(answers, {"about_you": "About the person", "contact": "Contact"})
    assert [(group.title, [a.question_id for a in group.answers]) for group in groups] == [
        ("About the person", ["full_name", "date_of_birth"]),
        ("Contact", ["contact_number"]),
        (None, ["old_answer"]),
    ]


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
    [
        (1, 1, [1]),
        (3, 5, [1, 2, 3, 4, 5]),
        (1, 20, [1, 2, 3, None, 20]),
        (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
    ],
)
def test_page_links_show_the_ends_and_the_pages_near_this_one(
    page: int, pages: int, expected: list[int | None]
) -> None:
    assert page_links(page, pages) == expected


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(start: str) -> None:
    assert cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


def test_cells_read_as_a_person_expects() -> None:
    summer = datetime(2026, 7, 14, 13, 5, tzinfo=UTC)
    assert [cell(None), cell(True), cell(False), cell(summer), cell(36), cell("Sam")] == [
        "",
        "yes",
        "no",
        "2026-07-14 14:05",
        "36",
        "Sam",
    ]


def test_a_csv_quotes_what_needs_quoting() -> None:
    assert csv_text(["name", "note"], [["Jones, Sam", 'said "hi"']]) == (
        'name,note\r\n"Jones, Sam","said ""hi"""\r\n'
    )

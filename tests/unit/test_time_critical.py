"""Which referrals are time-critical: the rules in data/time_critical.yml, read from answers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from flows import load_flows
from webhooks.time_critical import load_reasons, reasons_for

# A Friday morning; the Monday after is an ordinary working day.
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def test_every_rule_names_a_question_and_answers_the_flows_ask() -> None:
    questions = {q.id: q for flow in load_flows().values() for q in flow.questions}
    for reason in load_reasons():
        question = questions[reason.question]
        if reason.within_working_days is None:
            assert reason.answers <= {option.value for option in question.options}, reason.name
        else:
            assert question.kind == "date", reason.name


@pytest.mark.parametrize(
    ("answers", "reasons"),
    [
        ({"justice_status": "in_custody"}, ["in_custody"]),
        ({"justice_status": "bail"}, []),
        ({"urgency": "today"}, ["help_today"]),
        ({"urgency": "this_week"}, []),
        ({"next_date": "2026-11-27"}, ["date_soon"]),  # today
        ({"next_date": "2026-11-30"}, ["date_soon"]),  # Monday: the second working day
        ({"next_date": "2026-12-01"}, []),  # Tuesday: the third
        ({"next_date": "2026-11-26"}, []),  # yesterday
        ({"next_date": "not a date"}, []),
        ({"justice_status": "in_custody", "urgency": "today"}, ["in_custody", "help_today"]),
    ],
)
def test_it_reads_the_reasons_from_the_answers(
    answers: dict[str, object], reasons: list[str]
) -> None:
    assert reasons_for(answers, FRIDAY) == reasons


def test_bank_holidays_are_not_working_days() -> None:
    # Christmas Eve 2026 is a Thursday; Christmas Day (Friday) and Boxing Day (on Monday
    # 28th in lieu) are bank holidays: the second working day is Tuesday 29th.
    christmas_eve = datetime(2026, 12, 24, 10, 0, tzinfo=timezone.utc)
    assert reasons_for({"next_date": "2026-12-29"}, christmas_eve) == ["date_soon"]
    assert reasons_for({"next_date": "2026-12-30"}, christmas_eve) == []

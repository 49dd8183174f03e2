"""The flow engine's conversation controls, endings and branches, one behaviour each."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flows import load_flows
from flows.conditions import SKIPPED
from flows.engine import prompt, receive, resume, start
from flows.model import CARRY_ON, REVIEW, Flow
from flows.state import (
    BACK,
    DECLINED,
    EASY,
    INELIGIBLE,
    REPEAT,
    RESTART,
    SKIP,
    STOP,
    STOPPED,
    WHY,
    Context,
    FlowState,
    Step,
)
from tests.support.engine_walk import walk_engine
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=date(2026, 11, 24), now="2026-11-24T10:00:00+00:00")


def flow(flow_id: str = "together_london") -> Flow:
    return load_flows()[flow_id]


def advance_to(f: Flow, target: str, answers: dict[str, str] | None = None) -> Step:
    """Answer the demo answers until `target` is the question asked."""
    for step in walk_engine(f, answers or demo_answers("self"), CONTEXT):
        if step.ask == target:
            return step
    raise AssertionError(f"{target} was never asked")


def send(f: Flow, step: Step, text: str = "", control: str | None = None) -> Step:
    assert step.ask is not None
    return receive(f, step.answers, step.state, step.ask, text, control, CONTEXT)


def test_it_starts_with_who_is_referring() -> None:
    step = start(flow(), CONTEXT)
    assert step.ask == "referrer"
    assert prompt(flow(), "referrer", {}, FlowState(), CONTEXT).options[0] == "Myself"


def test_a_wrong_answer_gets_the_specific_reask_with_an_example() -> None:
    f = flow()
    step = send(f, advance_to(f, "date_of_birth"), "31/02/1990")
    assert step.ask == "date_of_birth"
    assert step.say == (
        "I could not read that as a date. Please write it like 03/04/1991 (day, month, year).",
    )


def test_after_two_misses_it_offers_a_way_out() -> None:
    f = flow()
    step = send(f, send(f, advance_to(f, "postcode"), "my house"), "the big one")
    assert "SKIP" in step.say[0] and "PERSON" in step.say[0]
    required = send(f, send(f, advance_to(f, "full_name"), "x" * 101), "y" * 101)
    assert "PERSON" in required.say[0] and "SKIP" not in required.say[0]


def test_skip_leaves_out_an_optional_question() -> None:
    f = flow()
    step = send(f, advance_to(f, "address"), control=SKIP)
    assert step.answers["address"] == SKIPPED
    assert step.ask == "best_time"  # contact_avoid, essential, was asked before sending
    assert step.say == ("OK, I will leave that one out.",)


def test_skip_is_refused_for_a_question_the_team_needs() -> None:
    f = flow()
    step = send(f, advance_to(f, "full_name"), control=SKIP)
    assert step.ask == "full_name"
    assert step.say[0].startswith("I need an answer to this one")
    assert "So the team knows who they are calling." in step.say[0]


def test_prefer_not_to_say_is_stored_as_that_answer_where_offered() -> None:
    f = flow()
    step = send(f, advance_to(f, "ethnicity_group"), control=SKIP)
    assert step.answers["ethnicity_group"] == "prefer_not_to_say"
    assert step.ask not in ("ethnicity_group", None)


def test_back_asks_the_previous_question_again() -> None:
    f = flow()
    step = send(f, advance_to(f, "date_of_birth"), control=BACK)
    assert step.ask == "full_name"
    assert step.answers["full_name"] is None
    again = send(f, step, "Alex Smith")
    assert again.ask == "date_of_birth"
    assert again.answers["full_name"] == "Alex Smith"


def test_back_at_the_first_question_says_so() -> None:
    step = send(flow(), start(flow(), CONTEXT), control=BACK)
    assert step.ask == "referrer"
    assert step.say == ("This is the first question.",)


def test_repeat_and_why_keep_the_question_open() -> None:
    f = flow()
    at = advance_to(f, "postcode")
    assert send(f, at, control=REPEAT).ask == "postcode"
    why = send(f, at, control=WHY)
    assert why.ask == "postcode"
    assert why.say == ("It tells the team which local services can help.",)


def test_start_again_forgets_every_answer() -> None:
    f = flow()
    step = send(f, advance_to(f, "contact_avoid"), control=RESTART)
    assert step.ask == "referrer"
    assert step.answers == {}


def test_i_dont_understand_switches_to_easy_read_wording() -> None:
    f = flow()
    at = advance_to(f, "full_name")
    easy = send(f, at, control=EASY)
    assert easy.ask == "full_name"
    easy_read = f.question("full_name").ask.easy
    assert easy_read  # the flow words it in easy read
    assert prompt(f, "full_name", easy.answers, easy.state, CONTEXT).text == easy_read


def test_stop_ends_the_conversation_at_the_question_it_reached() -> None:
    f = flow()
    step = send(f, advance_to(f, "contact_avoid"), control=STOP)
    assert step.ask is None
    assert step.state.outcome == STOPPED
    assert step.state.ended_at_question == "contact_avoid"


def test_someone_outside_london_is_told_kindly_where_to_go() -> None:
    f = flow()
    step = send(f, advance_to(f, "lives_in_london"), "no")
    assert step.ask is None
    assert step.state.outcome == INELIGIBLE
    assert "only for people who live in London" in step.say[0]
    assert "NHS 111" in step.say[0]
    assert set(step.answers) == {"referrer", "easy_read", "lives_in_london"}


def test_under_tens_are_signposted_in_south_essex_with_childline() -> None:
    f = flow("south_essex")
    step = send(f, advance_to(f, "aged_10_or_over"), "no")
    assert step.state.outcome == INELIGIBLE
    assert "0800 1111" in step.say[0]


def test_saying_no_to_sharing_ends_without_sending() -> None:
    f = flow()
    step = send(f, advance_to(f, "consent_ld_team"), "no")
    assert step.state.outcome == DECLINED
    assert "nothing has been sent" in step.say[0]


def test_a_young_person_gets_the_youth_questions_and_simpler_words() -> None:
    f = flow("coventry_warwickshire")
    answers = dict(demo_answers("self"), date_of_birth="01/06/2010")
    step = advance_to(f, "guardian_name", answers)
    text = prompt(f, "guardian_name", step.answers, step.state, CONTEXT).text
    assert text == f.question("guardian_name").ask.plain
    easy_read = f.question("full_name").ask.easy
    assert prompt(f, "full_name", step.answers, step.state, CONTEXT).text == easy_read


def test_adults_are_not_asked_the_youth_questions() -> None:
    f = flow("coventry_warwickshire")
    step = advance_to(f, "ethnicity_group")
    assert "guardian_name" not in step.answers


def test_a_yes_to_risk_to_self_is_a_risk_finding() -> None:
    f = flow()
    step = send(f, advance_to(f, "risk_to_self"), "yes")
    assert step.risks == (("self", "risk_to_self"),)
    assert step.ask == "risk_to_self_details"


def test_sent_documents_are_not_taken_as_sent_until_a_file_has_arrived() -> None:
    f = flow()
    asked = advance_to(f, "documents")
    nothing_yet = send(f, asked, "I have sent them here")
    assert nothing_yet.ask == "documents"
    assert nothing_yet.say[0].startswith("No file has arrived yet.")
    one_file = replace(CONTEXT, documents=1)
    step = receive(f, asked.answers, asked.state, "documents", "3", None, one_file)
    assert step.answers["documents"] == "sent"
    assert step.ask != "documents"


def test_a_caller_is_offered_email_or_none_but_not_a_file() -> None:
    f = flow()
    asked = advance_to(f, "documents")
    on_the_phone = prompt(f, "documents", asked.answers, asked.state, replace(CONTEXT, voice=True))
    assert on_the_phone.options == ("None to send", "I will email them")
    assert "email them after this call" in on_the_phone.text


def test_phq9_item_9_above_zero_always_raises_risk() -> None:
    f = flow("coventry_warwickshire")
    step = send(f, advance_to(f, "phq_9"), "several days")
    assert step.risks == (("self", "phq_9"),)


def test_a_negative_phq2_skips_the_rest_of_the_phq9() -> None:
    f = flow("coventry_warwickshire")
    answers = dict(demo_answers("self"), phq_1="not at all", phq_2="several days")
    step = advance_to(f, "gad_1", answers)
    assert "phq_3" not in step.answers


def read_back(f: Flow) -> Step:
    return advance_to(f, REVIEW)


def test_the_read_back_lists_the_key_answers_and_asks_if_right() -> None:
    f = flow()
    step = read_back(f)
    shown = prompt(f, REVIEW, step.answers, step.state, CONTEXT)
    assert "Full name: Sam Jones." in shown.text
    assert "Date of birth: 03/04/1991." in shown.text
    assert shown.text.endswith("Is this right?")
    assert shown.options == ("Yes, send it", "Change an answer")
    sent = send(f, step, "yes")
    assert (sent.send, sent.state.sent, sent.ask) == (True, True, CARRY_ON)


def test_one_answer_can_be_corrected_from_the_read_back() -> None:
    f = flow()
    choose = send(f, read_back(f), "change")
    assert choose.ask == REVIEW
    listed = prompt(f, REVIEW, choose.answers, choose.state, CONTEXT)
    position = listed.options.index("Date of birth") + 1
    fix = send(f, choose, str(position))
    assert fix.ask == "date_of_birth"
    back = send(f, fix, "2/2/1992")
    assert back.ask == REVIEW
    assert back.answers["date_of_birth"] == "1992-02-02"
    assert send(f, back, "yes").send


def test_the_state_survives_a_round_trip_through_a_slot() -> None:
    step = send(flow(), read_back(flow()), "change")
    assert FlowState.from_dict(step.state.to_dict()) == step.state


def test_changing_who_refers_changes_the_questions_that_apply() -> None:
    f = flow()
    answers: dict[str, Any] = dict(demo_answers("professional"))
    step = advance_to(f, "referrer_name", answers)
    assert "easy_read" not in step.answers


def test_resuming_asks_the_first_question_still_open() -> None:
    f = flow()
    at = advance_to(f, "postcode")
    answers = dict(at.answers, date_of_birth=None)
    step = resume(f, answers, at.state, CONTEXT)
    assert step.ask == "date_of_birth"
    assert step.answers["full_name"] == "Sam Jones"

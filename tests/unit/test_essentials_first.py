"""The essentials first: sent once they are answered and confirmed, the rest offered after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows import load_flows
from flows.engine import prompt, receive, resume
from flows.errors import FlowError
from flows.loader import load_flow
from flows.model import CARRY_ON, REVIEW, Flow
from flows.record import referral_record
from flows.state import BACK, COMPLETE, ESSENTIALS, STOP, Context, Step
from tests.support.engine_walk import walk_engine
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=date(2026, 11, 24), now="2026-11-24T10:00:00+00:00")
TEAMS = ("together_london", "coventry_warwickshire", "south_essex")


def steps_of(flow: Flow, **changes: str) -> list[Step]:
    return list(walk_engine(flow, dict(demo_answers("self"), **changes), CONTEXT))


def until(flow: Flow, target: str, **changes: str) -> Step:
    for step in walk_engine(flow, dict(demo_answers("self"), **changes), CONTEXT):
        if step.ask == target:
            return step
    raise AssertionError(f"{target} was never asked")


def send(flow: Flow, step: Step, text: str = "", control: str | None = None) -> Step:
    assert step.ask is not None
    return receive(flow, step.answers, step.state, step.ask, text, control, CONTEXT)


@pytest.mark.parametrize("flow_id", TEAMS)
def test_every_essential_question_comes_before_the_read_back_and_nothing_else(
    flow_id: str,
) -> None:
    flow = load_flows()[flow_id]
    asked = [step.ask for step in steps_of(flow) if step.ask is not None]
    before_sending = asked[: asked.index(REVIEW)]
    assert before_sending
    assert all(flow.question(qid).essential for qid in before_sending)
    after = asked[asked.index(CARRY_ON) + 1 :]
    assert after and not any(flow.question(qid).essential for qid in after)


@pytest.mark.parametrize("flow_id", TEAMS)
def test_an_adult_self_referral_is_sent_within_twenty_messages(flow_id: str) -> None:
    flow = load_flows()[flow_id]
    steps = steps_of(flow)
    sent_at = next(index for index, step in enumerate(steps) if step.send)
    # The first message starts the conversation; each later one answers a question.
    assert 1 + sent_at <= 20


def test_confirming_the_essentials_sends_them_and_offers_the_rest() -> None:
    flow = load_flows()["together_london"]
    sent = send(flow, until(flow, REVIEW), "yes")
    assert (sent.send, sent.state.sent, sent.ask, sent.state.outcome) == (True, True, CARRY_ON, "")
    offer = prompt(flow, CARRY_ON, sent.answers, sent.state, CONTEXT)
    assert "carry on now" in offer.text
    assert offer.options == ("Yes, carry on now", "No, that is all for now")
    record = referral_record(flow, sent.answers, sent.state, CONTEXT)
    assert (record["outcome"], record["complete"], record["sent"]) == (ESSENTIALS, True, True)


def test_carrying_on_asks_the_first_question_that_is_not_essential() -> None:
    flow = load_flows()["together_london"]
    offered = until(flow, CARRY_ON)
    step = send(flow, offered, "yes")
    assert step.ask is not None and step.ask not in (REVIEW, CARRY_ON)
    assert not flow.question(step.ask).essential
    assert not step.send


@pytest.mark.parametrize("answer", ["no", "2", "later"])
def test_not_now_finishes_the_referral_already_sent(answer: str) -> None:
    flow = load_flows()["together_london"]
    done = send(flow, until(flow, CARRY_ON), answer)
    assert done.ask is None
    assert done.state.outcome == COMPLETE
    record = referral_record(flow, done.answers, done.state, CONTEXT)
    assert record["complete"] is True and record["sent"] is True


def test_an_unclear_reply_to_the_offer_asks_again() -> None:
    flow = load_flows()["together_london"]
    again = send(flow, until(flow, CARRY_ON), "banana")
    assert again.ask == CARRY_ON
    assert again.say and "1" in again.say[0]


def test_stop_after_sending_keeps_the_referral_complete_rather_than_stopped() -> None:
    flow = load_flows()["together_london"]
    at = until(flow, "postcode")
    assert at.state.sent
    stopped = send(flow, at, control=STOP)
    assert stopped.state.outcome == COMPLETE
    assert referral_record(flow, stopped.answers, stopped.state, CONTEXT)["complete"] is True


def test_stop_before_sending_still_stops_with_nothing_sent() -> None:
    flow = load_flows()["together_london"]
    stopped = send(flow, until(flow, "contact_number"), control=STOP)
    assert stopped.state.outcome == "stopped"
    assert referral_record(flow, stopped.answers, stopped.state, CONTEXT)["complete"] is False


def test_the_last_answer_after_sending_finishes_without_a_second_read_back() -> None:
    flow = load_flows()["together_london"]
    steps = steps_of(flow)
    assert [step.ask for step in steps].count(REVIEW) == 1
    assert steps[-1].state.outcome == COMPLETE and steps[-1].state.sent


def test_resuming_after_sending_asks_the_rest_not_the_essentials_again() -> None:
    flow = load_flows()["together_london"]
    at = until(flow, "postcode")
    step = resume(flow, at.answers, at.state, CONTEXT)
    assert step.ask == "postcode"


ESSENTIAL_AFTER_OTHER = """
id: demo
version: 1
title: Demo
questions:
  - id: pet
    kind: yes_no
    label: Has a pet
    ask: Do you have a pet?
    retry: Yes or no.
  - id: pet_name
    kind: text
    label: Pet's name
    essential: true
    when: {answer: pet, is: true}
    ask: What is its name?
    retry: A name please.
"""


def test_an_essential_question_may_not_depend_on_one_asked_later(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(ESSENTIAL_AFTER_OTHER, encoding="utf-8")
    with pytest.raises(FlowError, match="pet_name depends on pet, which is not essential"):
        load_flow(path)


def test_back_after_sending_never_reopens_an_answer_the_team_already_has() -> None:
    flow = load_flows()["together_london"]
    carried = send(flow, until(flow, CARRY_ON), "yes")
    first_after = carried.ask
    assert first_after is not None
    step = send(flow, carried, control=BACK)
    assert step.ask == first_after
    assert step.say and "already with the team" in step.say[0]
    assert step.answers["consent_ld_team"] is True


def test_back_after_sending_reaches_what_was_asked_since() -> None:
    flow = load_flows()["together_london"]
    carried = send(flow, until(flow, CARRY_ON), "yes")
    assert carried.ask is not None
    answered = send(flow, carried, demo_answers("self")[carried.ask])
    back = send(flow, answered, control=BACK)
    assert back.ask == carried.ask


ENDING_NOT_ESSENTIAL = """
id: demo
version: 1
title: Demo
questions:
  - id: agree
    kind: yes_no
    label: Agrees
    essential: true
    ask: Do you agree?
    retry: Yes or no.
  - id: local
    kind: yes_no
    label: Lives here
    ask: Do you live here?
    retry: Yes or no.
    ends_when: {answer: local, is: false}
    ends_say: Sorry, this service is only for people who live here.
"""


def test_a_question_that_can_end_the_conversation_must_be_essential(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(ENDING_NOT_ESSENTIAL, encoding="utf-8")
    with pytest.raises(FlowError, match="local can end the conversation: mark it essential"):
        load_flow(path)

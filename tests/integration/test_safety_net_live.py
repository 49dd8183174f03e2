"""The safety net with the real model: risk at any point, then the referral carries on, urgent."""

from __future__ import annotations

import pytest

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import answer_until, referral_by_name, respondent
from webhooks.dev.simulator import ChatSimulator, SmsSimulator


def test_risk_mid_form_gets_contacts_then_the_referral_carries_on_urgent(
    stack: RunningStack,
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300001", "+441214960200")
    script = respondent("coventry-warwickshire", "self", full_name="Robin Urgent")
    answer_until(person.send, script, person.send("hello"), stop_before="date_of_birth")
    replies = person.send("honestly I want to kill myself")
    assert "116 123" in replies[0]
    assert "0808 186 6798" in replies[0]
    assert replies[-1].startswith(
        "When you are ready, we can carry on. What is your date of birth?"
    )
    _, last = answer_until(person.send, script, replies)
    assert last[0].startswith("Thank you. Everything you told me is with your referral")

    detail = referral_by_name(stack, "coventry-warwickshire", "Robin Urgent")
    assert detail["urgent"] is True
    assert detail["fields"]["date_of_birth"] == "1991-04-03"
    assert [(f["category"], f["message"]) for f in detail["risk_flags"]] == [
        ("self", "honestly I want to kill myself")
    ]


@pytest.mark.parametrize(
    ("number", "pressed"), [("+447911300011", "Myself"), ("+447911300012", "me")]
)
def test_a_choice_pressed_is_not_taken_for_a_crisis(
    stack: RunningStack, number: str, pressed: str
) -> None:
    # "myself" and "me" are frequent in the crisis examples the intent model learned from.
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, number, "+441214960200")
    person.send("hello")
    [reply] = person.send(pressed)
    assert reply.startswith("Would you like me to use short, simple questions?")
    assert "116 123" not in reply


def test_risk_at_the_read_back_gets_contacts_and_the_read_back_again(stack: RunningStack) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300002", "+441134960300")
    script = respondent("south-essex", "self", full_name="Read Back Risk")
    answer_until(person.send, script, person.send("hello"), stop_before="review")
    replies = person.send("actually i might kill myself tonight")
    assert "116 123" in replies[0]
    assert "Before I send it, please check your answers." in replies[-1]
    assert person.send("yes")[0].startswith("Thank you. Your referral has been sent")
    assert referral_by_name(stack, "south-essex", "Read Back Risk")["urgent"] is True


def test_a_yes_to_the_risk_question_gives_contacts_and_marks_urgent(stack: RunningStack) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300003", "+442079460100")
    script = respondent("together-london", "self", full_name="Said Yes", risk_to_self="yes")
    script = type(script)(script.flow, {**script.answers, "risk_to_self_details": "/skip"})
    answer_until(person.send, script, person.send("hello"), stop_before="risk_to_self")
    replies = person.send("yes")
    assert "116 123" in replies[0]
    assert replies[-1].startswith("Thank you for telling me.")
    _, last = answer_until(person.send, script, replies)
    assert last[0].startswith("Thank you. Everything you told me is with your referral")
    detail = referral_by_name(stack, "together-london", "Said Yes")
    assert detail["urgent"] is True
    assert [f["category"] for f in detail["risk_flags"]] == ["self"]


def test_risk_in_the_first_web_chat_message_then_the_referral_starts(
    stack: RunningStack,
) -> None:
    browser = ChatSimulator(stack.url, "south-essex")
    first = browser.send("he hits me and I'm scared to go home")
    assert "0808 2000 247" in first[0].text
    assert first[-1].text == "When you are ready, text HELLO and I will take your referral."
    started = browser.send("hello")
    assert started[-1].text == "Who is making this referral?"


def test_a_young_person_at_risk_is_given_childline_once_their_age_is_known(
    stack: RunningStack,
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300009", "+441134960300")
    script = respondent("south-essex", "self", full_name="Jo Young", date_of_birth="03/04/2010")
    first = person.send("hello")
    answer_until(person.send, script, first, stop_before="date_of_birth")
    before = " ".join(person.send("my stepdad hits me"))
    assert "0808 2000 247" in before and "0800 1111" not in before  # age not known yet
    answer_until(person.send, script, person.send("03/04/2010"), stop_before="ethnicity_group")
    after = " ".join(person.send("my stepdad hits me again"))
    assert "0808 2000 247" in after
    assert "Childline free on 0800 1111" in after


def test_changing_an_answer_mid_referral_goes_back_with_no_crisis_lines(
    stack: RunningStack,
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300021", "+441214960200")
    script = respondent("coventry-warwickshire", "self", full_name="Robin Changes")
    answer_until(person.send, script, person.send("hello"), stop_before="date_of_birth")
    replies = person.send("I want to change my answer")
    assert not any("116 123" in reply or "urgent" in reply for reply in replies)
    assert "name" in replies[-1].lower()  # the question before, asked again


@pytest.mark.parametrize(("number", "answer"), [("+447911300022", "no"), ("+447911300023", "yes")])
def test_what_only_the_net_reads_is_checked_and_the_answer_decides(
    stack: RunningStack, number: str, answer: str
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, number, "+441214960200")
    name = f"Robin Checked {answer.title()}"
    script = respondent("coventry-warwickshire", "self", full_name=name)
    answer_until(person.send, script, person.send("hello"), stop_before="date_of_birth")
    [check] = person.send("I'm so tired of everything")
    assert "Can I check: are you thinking about hurting yourself" in check
    assert "116 123" in check
    replies = person.send(answer)
    assert replies[-1].startswith(
        "When you are ready, we can carry on. What is your date of birth?"
    )
    assert any("urgent" in reply for reply in replies) == (answer == "yes")
    _, last = answer_until(person.send, script, replies)
    assert last[0].startswith("Thank you. Everything you told me is with your referral")
    detail = referral_by_name(stack, "coventry-warwickshire", name)
    assert detail["urgent"] is (answer == "yes")
    assert [c["answer"] for c in detail["risk_checks"]] == [answer]

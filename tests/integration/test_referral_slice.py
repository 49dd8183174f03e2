"""The thin slice, end to end with the real Rasa model: what people see on the way."""

from __future__ import annotations

from typing import Any

import requests

from flows import load_flows
from flows.state import Context
from tests.conftest import OPEN_HOURS, TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import answer_until, referral_by_name, respondent
from tests.support.engine_walk import walk_engine
from webhooks.dev.scripted import demo_answers, typed
from webhooks.dev.simulator import ChatSimulator, SmsSimulator

TOGETHER = "+442079460100"
COVENTRY = "+441214960200"
SOUTH_ESSEX = "+441134960300"


def sms(stack: RunningStack, sender: str, to: str = TOGETHER, **kwargs: Any) -> SmsSimulator:
    return SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, sender, to, **kwargs)


def by_name(stack: RunningStack, team_id: str, name: str) -> list[dict[str, Any]]:
    """Complete referrals in the team's queue under this name (not those kept incomplete)."""
    return [
        referral
        for referral in stack.referrals(team_id)
        if referral["fields"].get("full_name") == name  # type: ignore[union-attr]
    ]


def test_the_greeting_says_who_we_are_and_asks_who_is_referring(stack: RunningStack) -> None:
    greeting = sms(stack, "+447911100001").send("hello")
    assert "Together Community Liaison and Diversion" in greeting[0]
    assert "999" in greeting[0]
    assert greeting[-1].startswith("Who is making this referral? Reply 1 for Myself")


def test_triage_simulate_sms_completes_a_referral(stack: RunningStack) -> None:
    # The order of questions is the flow's; the engine gives the lines a person would type.
    flow = load_flows()["south_essex"]
    answers = dict(demo_answers("self"), full_name="Danny Price")
    steps = walk_engine(flow, answers, Context(today=OPEN_HOURS.date()))
    lines = ["hi", *(typed(answers[step.ask]) for step in steps if step.ask is not None)]
    result = stack.triage(
        "simulate", "sms", "--url", stack.url, "--team", "south-essex",
        "--from", "+447911200002", stdin="\n".join(lines) + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "bot> Thank you. Your referral has been sent to South Essex" in result.stdout
    # Sent on its essentials within 20 messages; the rest joined the same referral.
    before_sent = result.stdout.split("Your referral has been sent")[0]
    assert before_sent.count("you> ") <= 20
    assert "bot> Thank you. Everything you told me is with your referral" in result.stdout
    detail = referral_by_name(stack, "south-essex", "Danny Price")
    assert detail["fields"]["ethnicity_group"] == "white"  # asked after sending
    assert detail["fields"]["date_of_birth"] == "1991-04-03"
    assert detail["fields"]["contact_number"] == "+447911123456"


def test_a_wrong_date_gets_a_specific_reask_with_an_example(stack: RunningStack) -> None:
    person = sms(stack, "+447911100003", to=COVENTRY)
    script = respondent("coventry-warwickshire", "self", full_name="Kai Brown")
    answer_until(person.send, script, person.send("hello"), stop_before="date_of_birth")
    retry, question = person.send("31/02/1990")
    assert "03/04/1991" in retry
    assert retry != question
    assert question.startswith("What is your date of birth?")
    assert person.send("01/05/1990")[-1].startswith("Are there ways the team should NOT contact")


def test_in_custody_now_hears_at_once_that_the_custody_team_is_working(
    stack: RunningStack,
) -> None:
    person = sms(stack, "+447911100011", to=COVENTRY)
    script = respondent("coventry-warwickshire", "self", full_name="Cal Custody")
    answer_until(person.send, script, person.send("hello"), stop_before="justice_status")
    told, *_ = person.send("In police custody now")
    assert told.startswith("The custody team is working now, until 8pm.")


def test_stopping_half_way_sends_nothing_but_keeps_it_incomplete(stack: RunningStack) -> None:
    person = sms(stack, "+447911100004", to=COVENTRY)
    script = respondent("coventry-warwickshire", "self", full_name="Lee Stopped")
    first = person.send("I need help, my solicitor gave me this number")
    answer_until(person.send, script, first, stop_before="justice_status")
    stopped, opted_out = person.send("stop")
    assert "Nothing has been sent" in stopped
    # STOP by text is also Twilio's opt-out keyword: no more messages until START.
    assert "You will not get any more messages" in opted_out
    assert by_name(stack, "coventry-warwickshire", "Lee Stopped") == []
    kept = referral_by_name(stack, "coventry-warwickshire", "Lee Stopped", status="incomplete")
    assert (kept["status"], kept["outcome"]) == ("incomplete", "stopped")
    assert kept["fields"]["contact_number"] == "+447911123456"


def test_saying_no_to_sharing_sends_nothing(stack: RunningStack) -> None:
    person = sms(stack, "+447911100005", to=COVENTRY)
    script = respondent("coventry-warwickshire", "self", full_name="Jo NoConsent")
    answer_until(person.send, script, person.send("hello"), stop_before="consent_ld_team")
    answer = person.send("no")
    assert "nothing has been sent" in answer[0]
    assert by_name(stack, "coventry-warwickshire", "Jo NoConsent") == []


def test_someone_outside_the_area_is_signposted_and_nothing_is_kept(stack: RunningStack) -> None:
    person = sms(stack, "+447911100007", to=TOGETHER)
    person.send("hello")
    person.send("1")
    person.send("no")
    ending = person.send("no")
    assert "only for people who live in London" in ending[0]
    assert "NHS 111" in ending[0]
    assert ending[-1] == "Take care."


def test_a_whatsapp_referral_is_stored_with_the_whatsapp_channel(stack: RunningStack) -> None:
    person = sms(stack, "+447911100006", to=SOUTH_ESSEX, whatsapp=True)
    script = respondent("south-essex", "self", full_name="Ana Souza")
    _, last = answer_until(person.send, script, person.send("hello"))
    assert last[0].startswith("Thank you.")
    assert referral_by_name(stack, "south-essex", "Ana Souza")["channel"] == "whatsapp"


def test_web_chat_offers_the_choices_as_buttons(stack: RunningStack) -> None:
    browser = ChatSimulator(stack.url, "coventry-warwickshire")
    [_greeting, question] = browser.send("hello")
    assert question.options == [
        "Myself",
        "A professional referring someone",
        "Family or a friend, with their agreement",
    ]
    [easy] = browser.send("Myself")
    assert easy.options == ["Yes", "No"]


def test_the_demo_practitioner_sees_referrals_in_the_queue(stack: RunningStack) -> None:
    person = sms(stack, "+447911100008")
    script = respondent("together-london", "self", full_name="Queue Visible")
    answer_until(person.send, script, person.send("hello"))
    printed = "".join(stack.output)
    password = printed.split("each leads one team), password: ")[1].split()[0]
    browser = requests.Session()
    login_page = browser.get(f"{stack.url}/login", timeout=10).text
    csrf = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = browser.post(
        f"{stack.url}/login",
        data={
            "csrf_token": csrf,
            "email": "demo.together-london@example.nhs.uk",
            "password": password,
        },
        timeout=10,
    )
    assert response.url == f"{stack.url}/queue"
    [referral] = by_name(stack, "together-london", "Queue Visible")
    assert str(referral["reference"]) in response.text


def test_stopping_after_the_essentials_leaves_a_sent_referral(stack: RunningStack) -> None:
    person = sms(stack, "+447911100008", to=COVENTRY)
    script = respondent("coventry-warwickshire", "self", full_name="Sid Sent")
    answer_until(person.send, script, person.send("hello"), stop_before="carry_on")
    [finished] = person.send("no")
    assert finished.startswith("Thank you. Everything you told me is with your referral")
    detail = referral_by_name(stack, "coventry-warwickshire", "Sid Sent")
    assert (detail["status"], detail["outcome"]) == ("new", "complete")
    assert "ethnicity_group" not in detail["fields"]

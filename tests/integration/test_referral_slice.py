"""The thin slice, end to end with the real Rasa model: a referral reaches the queue."""

from __future__ import annotations

from typing import Any

import requests

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from webhooks.simulator import ChatSimulator, SmsSimulator

TOGETHER = "+442079460100"
COVENTRY = "+441214960200"
SOUTH_ESSEX = "+441134960300"


def sms(stack: RunningStack, sender: str, to: str = TOGETHER, **kwargs: Any) -> SmsSimulator:
    return SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, sender, to, **kwargs)


def by_name(stack: RunningStack, team_id: str, name: str) -> list[dict[str, Any]]:
    return [
        referral
        for referral in stack.referrals(team_id)
        if referral["fields"]["full_name"] == name  # type: ignore[index]
    ]


def test_a_self_referral_by_sms_reaches_the_api(stack: RunningStack) -> None:
    person = sms(stack, "+447911100001")
    greeting = person.send("hello")
    assert "Together Community Liaison and Diversion" in greeting[0]
    assert "999" in greeting[0]
    assert greeting[-1] == "What is your full name?"
    assert person.send("Ruth Okafor")[-1].startswith("What is your date of birth?")
    assert person.send("14/02/1988")[-1] == "What phone number can the team call you on?"
    consent = person.send("07912 345678")[-1]
    assert consent.endswith("Reply 1 for Yes, 2 for No.")
    [confirmation] = person.send("1")
    assert confirmation.startswith("Thank you. Your referral has been sent")

    [referral] = by_name(stack, "together-london", "Ruth Okafor")
    assert referral["reference"] in confirmation
    assert referral["channel"] == "sms"
    assert referral["fields"] == {
        "full_name": "Ruth Okafor",
        "date_of_birth": "1988-02-14",
        "contact_number": "+447912345678",
        "consent_share": True,
    }


def test_triage_simulate_sms_completes_a_referral(stack: RunningStack) -> None:
    script = "hi\nDanny Price\n3rd April 1991\n+44 7911 200002\nyes\n"
    result = stack.triage(
        "simulate",
        "sms",
        "--url",
        stack.url,
        "--team",
        "south-essex",
        "--from",
        "+447911200002",
        stdin=script,
    )
    assert result.returncode == 0, result.stderr
    assert "bot> Thank you. Your referral has been sent to South Essex" in result.stdout
    [referral] = by_name(stack, "south-essex", "Danny Price")
    assert referral["fields"]["date_of_birth"] == "1991-04-03"
    assert referral["fields"]["contact_number"] == "+447911200002"


def test_a_wrong_date_gets_a_specific_reask_with_an_example(stack: RunningStack) -> None:
    person = sms(stack, "+447911100003", to=COVENTRY)
    person.send("hello")
    person.send("Kai Brown")
    retry, question = person.send("31/02/1990")
    assert "03/04/1991" in retry
    assert retry != question
    assert question.startswith("What is your date of birth?")
    assert person.send("01/05/1990")[-1] == "What phone number can the team call you on?"


def test_stopping_half_way_sends_nothing(stack: RunningStack) -> None:
    person = sms(stack, "+447911100004", to=COVENTRY)
    person.send("I need help, my solicitor gave me this number")
    person.send("Lee Stopped")
    stopped, opted_out = person.send("stop")
    assert "Nothing has been sent" in stopped
    # STOP by text is also Twilio's opt-out keyword: no more messages until START.
    assert "You will not get any more messages" in opted_out
    assert by_name(stack, "coventry-warwickshire", "Lee Stopped") == []


def test_saying_no_to_sharing_sends_nothing(stack: RunningStack) -> None:
    person = sms(stack, "+447911100005", to=COVENTRY)
    for text in ("hello", "Jo NoConsent", "01/01/1980", "07911 100005"):
        person.send(text)
    [answer] = person.send("no")
    assert "nothing has been sent" in answer
    assert by_name(stack, "coventry-warwickshire", "Jo NoConsent") == []


def test_a_whatsapp_referral_is_stored_with_the_whatsapp_channel(stack: RunningStack) -> None:
    person = sms(stack, "+447911100006", to=SOUTH_ESSEX, whatsapp=True)
    for text in ("hello", "Ana Souza", "21/06/2001", "07911 100006"):
        person.send(text)
    assert person.send("yes")[0].startswith("Thank you.")
    [referral] = by_name(stack, "south-essex", "Ana Souza")
    assert referral["channel"] == "whatsapp"


def test_a_self_referral_by_web_chat_reaches_the_api(stack: RunningStack) -> None:
    browser = ChatSimulator(stack.url, "coventry-warwickshire")
    browser.send("hello")
    browser.send("Priya Patel")
    browser.send("1st May 1978")
    [consent] = browser.send("020 7946 0100")
    assert consent.options == ["Yes", "No"]
    [confirmation] = browser.send("Yes")
    assert "LD-" in confirmation.text
    [referral] = by_name(stack, "coventry-warwickshire", "Priya Patel")
    assert referral["channel"] == "webchat"
    assert referral["fields"]["date_of_birth"] == "1978-05-01"
    assert referral["fields"]["contact_number"] == "+442079460100"


def test_the_demo_practitioner_sees_referrals_in_the_queue(stack: RunningStack) -> None:
    person = sms(stack, "+447911100008")
    for text in ("hello", "Queue Visible", "02/02/1992", "07911 100008", "yes"):
        person.send(text)
    printed = "".join(stack.output)
    password = printed.split("demo login: demo@example.nhs.uk / ")[1].split()[0]
    browser = requests.Session()
    login_page = browser.get(f"{stack.url}/login", timeout=10).text
    csrf = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = browser.post(
        f"{stack.url}/login",
        data={"csrf_token": csrf, "email": "demo@example.nhs.uk", "password": password},
        timeout=10,
    )
    assert response.url == f"{stack.url}/queue"
    [referral] = by_name(stack, "together-london", "Queue Visible")
    assert str(referral["reference"]) in response.text

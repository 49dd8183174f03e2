"""The safety net with the real model: risk mid-form, then the referral carries on, urgent."""

from __future__ import annotations

import requests

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.test_referral_slice import by_name
from webhooks.simulator import ChatSimulator, SmsSimulator


def test_risk_mid_form_gets_contacts_then_the_referral_carries_on_urgent(
    stack: RunningStack,
) -> None:
    person = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300001", "+441214960200")
    person.send("hello")
    person.send("Robin Urgent")
    replies = person.send("honestly I want to kill myself")
    assert "116 123" in replies[0]
    assert "0808 186 6798" in replies[0]
    assert replies[-1].startswith(
        "When you are ready, we can carry on. What is your date of birth?"
    )
    assert person.send("05/05/1985")[-1] == "What phone number can the team call you on?"
    person.send("07911 100010")
    assert person.send("yes")[0].startswith("Thank you. Your referral has been sent")

    [summary] = by_name(stack, "coventry-warwickshire", "Robin Urgent")
    assert summary["urgent"] is True
    assert summary["fields"]["date_of_birth"] == "1985-05-05"
    detail = requests.get(
        f"{stack.url}/api/referrals/{summary['id']}",
        headers={"Authorization": f"Bearer {stack.api_token('coventry-warwickshire')}"},
        timeout=10,
    ).json()
    assert [(f["category"], f["message"]) for f in detail["risk_flags"]] == [
        ("self", "honestly I want to kill myself")
    ]


def test_risk_in_the_first_web_chat_message_then_the_referral_starts(
    stack: RunningStack,
) -> None:
    browser = ChatSimulator(stack.url, "south-essex")
    first = browser.send("he hits me and I'm scared to go home")
    assert "0808 2000 247" in first[0].text
    assert first[-1].text == "When you are ready, text HELLO and I will take your referral."
    started = browser.send("hello")
    assert started[-1].text == "What is your full name?"

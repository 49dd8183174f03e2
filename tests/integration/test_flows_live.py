"""Every team's full self-referral and professional referral, through the real Rasa model,
by SMS and by web chat: the stored referral holds every field with the right value."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import (
    FLOW_OF,
    answer_until,
    referral_by_name,
    respondent,
    stored_fields,
)
from tests.support.expected import expected_fields
from webhooks.dev.simulator import ChatSimulator, SmsSimulator

NUMBERS = {
    "together-london": "+442079460100",
    "coventry-warwickshire": "+441214960200",
    "south-essex": "+441134960300",
}
_senders = itertools.count(100)
# A person's name per walk, as a real name would be: a made-up one such as "Walk
# together-london self sms" once read to the learned risk net as self-harm ("walk into
# the sea", "self").
FIRST_NAMES = {"together-london": "Ada", "coventry-warwickshire": "Ben", "south-essex": "Cara"}
SURNAMES = {
    ("self", "sms"): "Morgan",
    ("self", "webchat"): "Patel",
    ("professional", "sms"): "Reid",
    ("professional", "webchat"): "Singh",
}


@pytest.mark.parametrize("team_id", sorted(NUMBERS))
@pytest.mark.parametrize("branch", ["self", "professional"])
@pytest.mark.parametrize("channel", ["sms", "webchat"])
def test_a_whole_referral_is_stored_with_every_field(
    stack: RunningStack, team_id: str, branch: str, channel: str
) -> None:
    name = f"{FIRST_NAMES[team_id]} Louise {SURNAMES[(branch, channel)]}"
    person = respondent(team_id, branch, full_name=name)
    if channel == "sms":
        sms = SmsSimulator(
            stack.url, TWILIO_AUTH_TOKEN, f"+447911300{next(_senders):03d}", NUMBERS[team_id]
        )
        send = sms.send
    else:
        chat = ChatSimulator(stack.url, team_id)

        def send(text: str) -> list[str]:
            return [reply.text for reply in chat.send(text)]

    asked, last = answer_until(send, person, send("hello"))
    assert last[0].startswith("Thank you. Your referral has been sent")
    assert asked[-1] == "review"
    detail = referral_by_name(stack, team_id, name)
    assert detail["reference"] in last[0]
    assert detail["channel"] == channel
    assert detail["flow"]["id"] == FLOW_OF[team_id]
    assert stored_fields(detail) == expected_fields(FLOW_OF[team_id], branch, name)
    assert {c["recipient"] for c in detail["consents"]} == {
        "ld_team",
        "health_social_care",
        "police",
        "courts",
        "probation",
    }

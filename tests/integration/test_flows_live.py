"""A whole referral through the real Rasa model, once by SMS and once by web chat: the
stored referral holds every field with the right value.

Together London's self-referral goes live on every channel in test_channels_equivalent;
these two walks take the other teams, the other branch and the questions only they ask
(PHQ-9 and GAD-7, a professional's) through the real model too. Every team and branch is
walked through the engine (tests/unit/test_flow_walks.py) and its record stored by the
gateway (tests/gateway/test_referral_storage.py) without Rasa.
"""

from __future__ import annotations

import pytest

from flows import load_flows
from tests.conftest import TWILIO_AUTH_TOKEN
from tests.integration.conftest import RunningStack
from tests.integration.walking import (
    ADDED,
    FLOW_OF,
    Send,
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
# A person's name per walk, as a real name would be: a made-up one such as "Walk
# together-london self sms" once read to the learned risk net as self-harm ("walk into
# the sea", "self").
WALKS = [
    pytest.param("coventry-warwickshire", "self", "sms", "Ben Louise Morgan", id="sms"),
    pytest.param("south-essex", "professional", "webchat", "Cara Louise Singh", id="webchat"),
]


@pytest.mark.parametrize(("team_id", "branch", "channel", "name"), WALKS)
def test_a_whole_referral_is_stored_with_every_field(
    stack: RunningStack, team_id: str, branch: str, channel: str, name: str
) -> None:
    person = respondent(team_id, branch, full_name=name)
    send: Send
    if channel == "sms":
        send = SmsSimulator(stack.url, TWILIO_AUTH_TOKEN, "+447911300100", NUMBERS[team_id]).send
    else:
        chat = ChatSimulator(stack.url, team_id)

        def chat_send(text: str) -> list[str]:
            return [reply.text for reply in chat.send(text)]

        send = chat_send
    asked, last = answer_until(send, person, send("hello"))
    # Sent on its essentials after the read-back; the rest offered, answered, and added.
    assert "review" in asked and "carry_on" in asked
    assert last[0].startswith(ADDED)
    detail = referral_by_name(stack, team_id, name)
    assert detail["reference"] in last[0]
    assert detail["channel"] == channel
    assert detail["flow"]["id"] == FLOW_OF[team_id]
    assert stored_fields(detail) == expected_fields(FLOW_OF[team_id], branch, name)
    flow = load_flows()[FLOW_OF[team_id]]
    # Exactly the consents the team's file asks.
    assert {c["recipient"] for c in detail["consents"]} == {
        question.consent_for for question in flow.questions if question.consent_for
    }

"""A young person at risk is also given Childline, once the flow knows their age."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlalchemy.orm import Session

from flows.protocol import RiskFound
from tests.gateway.conftest import FromFlow, SmsPoster, sms_params
from webhooks.db import conversations
from webhooks.db.models import Conversation

SENDER = "+447911123456"
SOUTH_ESSEX = "+441134960300"
CHILDLINE = "0800 1111"


def texted(post_sms: SmsPoster, body: str) -> str:
    response = post_sms(sms_params(body, From=SENDER, To=SOUTH_ESSEX))
    return " ".join(m.text or "" for m in ElementTree.fromstring(response.data).iter("Message"))


def test_the_age_the_flow_learns_is_kept_on_the_conversation(
    from_flow: FromFlow, db: Session
) -> None:
    assert from_flow({"person": {"age": 16}}) == []
    conversation = conversations.find_conversation(db, "south-essex", "sms", SENDER)
    assert conversation is not None and conversation.person_age == 16
    from_flow({"person": {"age": None}})  # the date of birth was taken back
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    assert db.get(Conversation, conversation.id).person_age is None  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["my stepdad hits me", "I want to kill myself"])
def test_a_person_under_19_at_risk_is_given_childline(
    from_flow: FromFlow, post_sms: SmsPoster, text: str
) -> None:
    from_flow({"person": {"age": 16}})
    assert CHILDLINE in texted(post_sms, text)


def test_childline_is_given_once_when_there_is_risk_to_self_and_from_others(
    from_flow: FromFlow, post_sms: SmsPoster
) -> None:
    from_flow({"person": {"age": 16}})
    replies = texted(post_sms, "my stepdad hits me and I want to kill myself")
    assert "116 123" in replies and "0808 2000 247" in replies
    assert replies.count(CHILDLINE) == 1


def test_an_adult_is_not_given_childline(from_flow: FromFlow, post_sms: SmsPoster) -> None:
    from_flow({"person": {"age": 19}})
    replies = texted(post_sms, "my stepdad hits me")
    assert "0808 2000 247" in replies
    assert CHILDLINE not in replies


def test_without_a_known_age_childline_is_not_assumed(post_sms: SmsPoster, db: Session) -> None:
    replies = texted(post_sms, "my stepdad hits me")
    assert CHILDLINE not in replies
    assert db.query(Conversation).one().person_age is None


def test_risk_to_others_gets_no_childline_even_from_a_young_person(
    from_flow: FromFlow, post_sms: SmsPoster
) -> None:
    from_flow({"person": {"age": 15}})
    assert CHILDLINE not in texted(post_sms, "I'm going to stab him")


def test_risk_the_flow_finds_in_a_young_persons_answer_brings_childline(
    from_flow: FromFlow,
) -> None:
    from_flow({"person": {"age": 14}})
    contacts, urgent = from_flow(RiskFound("self", "risk_to_self").to_payload())
    assert CHILDLINE in contacts.text and "116 123" in contacts.text
    assert urgent.text == "I have marked your messages as urgent for the team."

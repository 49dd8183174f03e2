"""With Rasa down, a text still gets crisis contacts at once, and nothing is lost."""

from __future__ import annotations

from xml.etree import ElementTree

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import SmsPoster, sms_params
from webhooks.db.models import Conversation, Message


def bodies(twiml: bytes) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def test_it_gives_the_teams_crisis_line_when_rasa_is_down(post_sms: SmsPoster) -> None:
    response = post_sms(sms_params("hello", To="+441214960200"))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    [reply] = bodies(response.data)
    assert "999" in reply
    assert "0808 186 6798" in reply  # Coventry & Warwickshire's crisis line
    assert "116 123" in reply


def test_it_keeps_the_message_for_when_rasa_is_back(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params("I need help with court", From="+447911654321"))
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    assert inbound.body == "I need help with court"
    assert inbound.status == "pending"
    conversation = db.get(Conversation, inbound.conversation_id)
    assert conversation is not None
    assert conversation.contact_key == "+447911654321"
    assert conversation.team_id == "together-london"


def test_a_retried_delivery_is_answered_the_same_and_processed_once(
    post_sms: SmsPoster, db: Session
) -> None:
    params = sms_params("hello")
    first = post_sms(params)
    again = post_sms(params)
    assert bodies(first.data) == bodies(again.data)
    inbound = db.scalars(select(Message).where(Message.direction == "in")).all()
    assert len(inbound) == 1


def test_it_normalises_a_whatsapp_sender_to_e164(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params("hello", From="whatsapp:+447911123456", To="whatsapp:+441134960300"))
    conversation = db.scalars(select(Conversation)).one()
    assert conversation.channel == "whatsapp"
    assert conversation.contact_key == "+447911123456"
    assert conversation.team_id == "south-essex"


def test_a_text_to_an_unknown_number_gets_a_plain_answer(post_sms: SmsPoster) -> None:
    response = post_sms(sms_params("hello", To="+447911000000"))
    assert response.status_code == 200
    [reply] = bodies(response.data)
    assert "not set up" in reply
    assert "999" in reply


def test_it_refuses_a_webhook_without_the_fields_twilio_always_sends(
    post_sms: SmsPoster,
) -> None:
    params = sms_params("hello")
    del params["From"]
    assert post_sms(params).status_code == 400

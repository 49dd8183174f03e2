"""A message showing risk gets crisis contacts at once and makes the referral urgent."""

from __future__ import annotations

from xml.etree import ElementTree

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from tests.gateway.conftest import SmsPoster, make_referral, sms_params
from tests.gateway.test_webchat import csrf_token
from webhooks.db import conversations, referrals, risks
from webhooks.db.models import Conversation, Message, Referral, RiskCheck, RiskFlag


def bodies(twiml: bytes) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def test_risk_to_self_gets_every_crisis_contact_and_the_teams_line(
    post_sms: SmsPoster, db: Session
) -> None:
    replies = bodies(post_sms(sms_params("i want to kms", To="+441214960200")).data)
    text = " ".join(replies)
    for contact in ("999", "116 123", "SHOUT to 85258", "111 and choose option 2", "0808 186 6798"):
        assert contact in text
    flag = db.scalars(select(RiskFlag)).one()
    assert flag.category == "self"
    assert flag.evidence == {"phrases": ["kill myself"]}
    assert flag.message.body == "i want to kms"


def test_risk_from_others_gets_the_domestic_abuse_helpline(post_sms: SmsPoster) -> None:
    replies = bodies(post_sms(sms_params("my boyfriend beats me")).data)
    assert "0808 2000 247" in replies[0]
    assert "999" in replies[0]


def test_risk_to_others_gets_999_and_the_teams_crisis_line(post_sms: SmsPoster) -> None:
    replies = bodies(post_sms(sms_params("I'm going to stab him", To="+441214960200")).data)
    assert "999" in replies[0]
    assert "0808 186 6798" in replies[0]


def test_a_first_message_showing_risk_is_not_a_dead_end(post_sms: SmsPoster) -> None:
    replies = bodies(post_sms(sms_params("I want to end my life")).data)
    assert replies[-1] == "When you are ready, text HELLO and I will take your referral."


def test_mid_form_the_same_question_is_asked_again(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params("hello"))  # Rasa is down here; this opens the conversation
    conversation = db.scalars(select(Conversation)).one()
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    question = load_flows()["south_essex"].question("consent_ld_team").ask.plain
    conversations.add_outbound(db, inbound, question, ["Yes", "No"], question_id="consent_ld_team")
    db.commit()
    replies = bodies(post_sms(sms_params("I don't want to be alive")).data)
    assert replies[-1] == (
        f"When you are ready, we can carry on. {question} Reply 1 for Yes, 2 for No."
    )
    assert risks.has_risk_flags(db, conversation.id)


def test_mid_form_a_question_answered_in_words_is_asked_again_too(
    post_sms: SmsPoster, db: Session
) -> None:
    post_sms(sms_params("hello"))  # Rasa is down here; this opens the conversation
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    question = load_flows()["south_essex"].question("full_name").ask.plain
    conversations.add_outbound(db, inbound, question, question_id="full_name")
    db.commit()
    replies = bodies(post_sms(sms_params("I don't want to be alive")).data)
    assert replies[-1] == f"When you are ready, we can carry on. {question}"
    [again] = db.scalars(
        select(Message).where(Message.direction == "out").order_by(Message.id.desc()).limit(1)
    )
    assert again.question_id == "full_name"  # still open: the next aside asks it again too


def test_risk_after_the_referral_was_sent_makes_it_urgent(post_sms: SmsPoster, db: Session) -> None:
    referral = make_referral(db, "together-london")
    conversation = db.get(Conversation, referral.conversation_id)
    assert conversation is not None
    assert not referral.urgent
    post_sms(sms_params("they said they'll hurt me", From=conversation.contact_key))
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    assert db.get(Referral, referral.id).urgent  # type: ignore[union-attr]


def test_a_referral_made_after_risk_is_urgent(db: Session) -> None:
    conversation = conversations.find_or_open_conversation(
        db, "south-essex", "sms", "+447911000001"
    )
    message = conversations.add_inbound(db, conversation, "I'm going to overdose", None)
    risks.add_risk_flags(db, message, ["self"], ["going to overdose"])
    db.commit()
    referral = make_referral(db, "south-essex")
    assert not referral.urgent  # another conversation
    later = referrals.create_referral(
        db, conversation, {"flow_id": "south_essex", "flow_version": 1, "answers": []}
    )
    assert later.urgent


def test_the_web_chat_gets_the_same_safety_net(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, "south-essex")
    response = client.post(
        "/chat/south-essex/messages",
        json={"text": "I'm scared to go home"},
        headers={"X-CSRFToken": token},
    )
    assert response.json is not None
    assert "0808 2000 247" in response.json["replies"][0]["text"]
    assert db.scalars(select(RiskFlag.category)).all() == ["from_others"]


def test_an_ordinary_message_raises_no_flag(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params("I'm killing time before court"))
    assert db.scalars(select(RiskFlag)).all() == []


def test_a_choice_the_flow_offers_is_not_read_by_the_learned_net(
    post_sms: SmsPoster, db: Session
) -> None:
    # The learned net once took this button's words for fear of someone (see
    # tests/unit/test_form_words_raise_nothing.py for a net that still would).
    replies = bodies(post_sms(sms_params("I have sent them here")).data)
    assert db.scalars(select(RiskFlag)).all() == []
    assert db.scalars(select(RiskCheck)).all() == []
    assert not any("marked your messages as urgent" in reply for reply in replies)
    assert not any("Can I check" in reply for reply in replies)


def test_worrying_words_without_clear_risk_get_the_contacts_gently(
    post_sms: SmsPoster, db: Session
) -> None:
    replies = bodies(post_sms(sms_params("my feet are killing me")).data)
    assert any(reply.startswith("If you are not safe") for reply in replies)
    assert db.scalars(select(RiskFlag)).all() == []  # not urgent


def test_a_plain_message_gets_no_safety_note(post_sms: SmsPoster) -> None:
    replies = bodies(post_sms(sms_params("I need help with housing")).data)
    assert not any(reply.startswith("If you are not safe") for reply in replies)


def test_a_team_whose_line_is_nhs_111_does_not_hear_it_twice(post_sms: SmsPoster) -> None:
    [reply, *_] = bodies(post_sms(sms_params("I want to end my life", To="+441134960300")).data)
    assert reply.count("NHS 111") == 1


def test_a_second_aside_asks_the_question_again_in_the_bots_own_words(
    post_sms: SmsPoster, db: Session
) -> None:
    post_sms(sms_params("hello"))  # Rasa is down here; this opens the conversation
    inbound = db.scalars(select(Message).where(Message.direction == "in")).one()
    question = load_flows()["south_essex"].question("full_name").ask.plain
    conversations.add_outbound(db, inbound, question, question_id="full_name")
    db.commit()
    post_sms(sms_params("I don't want to be alive"))
    replies = bodies(post_sms(sms_params("I want to end it all")).data)
    # Not "When you are ready, ... When you are ready, ...": each aside wraps the question once.
    assert replies[-1] == f"When you are ready, we can carry on. {question}"

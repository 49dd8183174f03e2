"""A practitioner takes a conversation over, in hours, and texts the person themselves: the
bot stays silent but for the safety net, until they hand back or go quiet too long."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from tests.conftest import OPEN_HOURS, TWILIO_AUTH_TOKEN
from tests.fakes.twilio_api import FakeTwilio
from tests.gateway.conftest import make_referral, sms_params
from tests.support.stored import message_saying
from webhooks import create_app
from webhooks.config import Settings
from webhooks.core import takeover
from webhooks.db import accounts, referrals
from webhooks.db.models import Conversation, Message, Referral

SOUTH_ESSEX = "+441134960300"


@pytest.fixture
def client(app_with_twilio_rest: Flask) -> FlaskClient:
    return app_with_twilio_rest.test_client()


@pytest.fixture
def referral(db: Session) -> Iterator[Referral]:
    yield make_referral(db, "south-essex")


def bearer(db: Session, name: str, team_id: str = "south-essex") -> dict[str, str]:
    value = accounts.create_api_token(db, team_id, name)
    db.commit()
    return {"Authorization": f"Bearer {value}"}


def person_texts(client: FlaskClient, referral: Referral, body: str) -> str:
    params = sms_params(body, To=SOUTH_ESSEX, From=referral.conversation.contact_key)
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
        "http://localhost/twilio/sms", params
    )
    response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_while_a_practitioner_holds_it_the_bot_is_silent_and_they_text_the_person(
    client: FlaskClient, db: Session, referral: Referral, twilio: FakeTwilio
) -> None:
    ana = bearer(db, "Ana")
    path = f"/api/referrals/{referral.id}"
    assert client.post(f"{path}/takeover", headers=ana).status_code == 200
    reply = person_texts(client, referral, "hello is anyone there")
    assert "<Message>" not in reply  # no bot answer: Ana answers
    sent = client.post(f"{path}/messages", headers=ana, json={"text": "Hi, this is Ana."})
    assert (sent.status_code, sent.json["status"]) == (201, "sent")
    [texted] = [r.form for r in twilio.requests if r.path.endswith("/Messages.json")]
    assert texted == {
        "To": referral.conversation.contact_key,
        "From": SOUTH_ESSEX,
        "Body": "Hi, this is Ana.",
    }
    db.rollback()
    held = message_saying(db, "hello is anyone there")
    assert held.status == "held"
    written = db.scalars(select(Message).where(Message.author == "Ana")).one()
    assert (written.direction, written.status) == ("out", "sent")


def test_the_safety_net_still_answers_while_it_is_held(
    client: FlaskClient, db: Session, referral: Referral
) -> None:
    client.post(f"/api/referrals/{referral.id}/takeover", headers=bearer(db, "Ana"))
    reply = person_texts(client, referral, "I want to kill myself")
    assert "116 123" in reply


def test_one_practitioner_at_a_time_and_only_the_holder_writes(
    client: FlaskClient, db: Session, referral: Referral
) -> None:
    ana, ben = bearer(db, "Ana"), bearer(db, "Ben")
    path = f"/api/referrals/{referral.id}"
    client.post(f"{path}/takeover", headers=ana)
    refused = client.post(f"{path}/takeover", headers=ben)
    assert (refused.status_code, refused.json["owner"]) == (409, "Ana")
    assert client.post(f"{path}/messages", headers=ben, json={"text": "hi"}).status_code == 409


def test_handing_back_lets_the_bot_answer_again_with_a_note_in_the_history(
    client: FlaskClient, db: Session, referral: Referral
) -> None:
    ana = bearer(db, "Ana")
    path = f"/api/referrals/{referral.id}"
    client.post(f"{path}/takeover", headers=ana)
    back = client.post(f"{path}/handback", headers=ana, json={"note": "Booked a visit"})
    assert back.status_code == 200
    assert "<Message>" in person_texts(client, referral, "thanks")  # the bot again
    history = client.get(path, headers=ana).json["history"]
    assert [event["note"] for event in history] == [
        "Took the conversation over from the bot.",
        "Booked a visit",
    ]


def test_a_hold_left_quiet_goes_back_to_the_bot_with_a_note(
    client: FlaskClient, db: Session, referral: Referral
) -> None:
    ana = bearer(db, "Ana")
    client.post(f"/api/referrals/{referral.id}/takeover", headers=ana)
    person_texts(client, referral, "are you still there?")  # held: no answer from the bot
    db.rollback()
    conversation = db.get(Conversation, referral.conversation_id)
    assert conversation is not None
    conversation.held_until = OPEN_HOURS - timedelta(minutes=1)
    db.commit()
    assert "<Message>" in person_texts(client, referral, "hello?")
    history = client.get(f"/api/referrals/{referral.id}", headers=ana).json["history"]
    assert history[-1]["note"].startswith("Handed back to the bot: no message from them")
    db.rollback()
    # What they wrote while it was held, unanswered, is listed for the team to see.
    assert message_saying(db, "are you still there?").status == "pending"


def test_a_hold_ends_when_the_team_closes(app_with_twilio_rest: Flask, db: Session) -> None:
    london = make_referral(db, "together-london")  # the office closes at 5pm
    client = app_with_twilio_rest.test_client()
    client.post(
        f"/api/referrals/{london.id}/takeover", headers=bearer(db, "Ana", "together-london")
    )
    db.rollback()
    conversation = db.get(Conversation, london.conversation_id)
    assert conversation is not None and conversation.held_until is not None
    # 10:00 plus 30 minutes; a hold taken at 4:45pm would end at 5pm.
    assert conversation.held_until == OPEN_HOURS + timedelta(minutes=30)
    team = app_with_twilio_rest.extensions["triage"].teams.by_id("together-london")
    late = OPEN_HOURS.replace(hour=16, minute=45)
    assert takeover.hold_until(team, late) == OPEN_HOURS.replace(hour=17, minute=0)


def test_the_gateway_controls_still_work_while_it_is_held(
    client: FlaskClient, db: Session, referral: Referral
) -> None:
    client.post(f"/api/referrals/{referral.id}/takeover", headers=bearer(db, "Ana"))
    reply = person_texts(client, referral, "withdraw consent")
    assert "<Message>" in reply


def test_not_out_of_hours_and_not_on_a_call(settings: Settings, db: Session) -> None:
    office_closed = OPEN_HOURS + timedelta(days=4)  # a Saturday: Together's office is shut
    app = create_app(replace(settings, triage_now=office_closed))
    try:
        client = app.test_client()
        london = make_referral(db, "together-london")
        ana = bearer(db, "Ana", "together-london")
        closed = client.post(f"/api/referrals/{london.id}/takeover", headers=ana)
        assert (closed.status_code, "closed" in closed.json["error"]) == (409, True)
        db.rollback()  # the gateway wrote since this session read (the token's last use)
        call = make_referral(db, "south-essex")  # South Essex works around the clock
        call.conversation.channel = "voice"
        db.commit()
        ben = bearer(db, "Ben")
        on_a_call = client.post(f"/api/referrals/{call.id}/takeover", headers=ben)
        assert (on_a_call.status_code, "call" in on_a_call.json["error"]) == (409, True)
    finally:
        app.extensions["engine"].dispose()
        app.extensions["triage"].transports.http.close()


def test_a_text_twilio_refuses_is_kept_as_failed_and_said_so(
    client: FlaskClient, db: Session, referral: Referral, twilio: FakeTwilio
) -> None:
    ana = bearer(db, "Ana")
    client.post(f"/api/referrals/{referral.id}/takeover", headers=ana)
    twilio.status = 500
    sent = client.post(f"/api/referrals/{referral.id}/messages", headers=ana, json={"text": "Hi"})
    assert (sent.status_code, sent.json["status"]) == (502, "failed")
    db.rollback()
    assert db.scalars(select(Message.status).where(Message.author == "Ana")).one() == "failed"


def test_in_the_web_chat_the_page_hears_the_practitioner_without_a_reload(
    client: FlaskClient, db: Session
) -> None:
    page = client.get("/chat/south-essex").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token is not None
    client.post(
        "/chat/south-essex/messages", json={"text": "hello"}, headers={"X-CSRFToken": token[1]}
    )
    db.rollback()
    conversation = db.scalars(select(Conversation).where(Conversation.channel == "webchat")).one()
    referral = referrals.create_referral(
        db, conversation, {"flow_id": "south_essex", "flow_version": 1, "answers": []}
    )
    db.commit()
    seen = max(
        message["id"] for message in client.get("/chat/south-essex/messages").json["messages"]
    )
    ana = bearer(db, "Ana")
    client.post(f"/api/referrals/{referral.id}/takeover", headers=ana)
    sent = client.post(
        f"/api/referrals/{referral.id}/messages", headers=ana, json={"text": "Hello, Ana here."}
    )
    assert (sent.status_code, sent.json["status"]) == (201, "sent")
    news = client.get(f"/chat/south-essex/messages?after={seen}").json["messages"]
    assert [(m["from"], m["author"], m["text"]) for m in news] == [
        ("practitioner", "Ana", "Hello, Ana here.")
    ]
    assert client.get(f"/chat/south-essex/messages?after={news[0]['id']}").json["messages"] == []


def test_from_the_referral_page_a_practitioner_takes_over_writes_and_hands_back(
    client: FlaskClient,
    db: Session,
    referral: Referral,
    twilio: FakeTwilio,
    practitioner_login: Callable[[str | None], None],
) -> None:
    practitioner_login("south-essex")
    page = f"/queue/{referral.id}"
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        assert "Take over the conversation from the bot" in client.get(page).get_data(as_text=True)
        client.post(f"{page}/takeover")
        held = client.get(page).get_data(as_text=True)
        assert "You are talking with the person" in held
        client.post(f"{page}/messages", data={"text": "Hello, this is Pat."})
        assert [r.form["Body"] for r in twilio.requests] == ["Hello, this is Pat."]
        assert "<Message>" not in person_texts(client, referral, "hi Pat")
        client.post(f"{page}/handback", data={"note": "Agreed a call tomorrow"})
        assert "Take over the conversation" in client.get(page).get_data(as_text=True)
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True

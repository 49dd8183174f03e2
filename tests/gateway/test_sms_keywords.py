"""STOP, START and HELP as people expect from any text service; files are acknowledged."""

from __future__ import annotations

from xml.etree import ElementTree

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import SmsPoster, sms_params
from webhooks.db.models import Message, RiskFlag
from webhooks.web.channels.sms_render import GSM7


def bodies(twiml: bytes) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def test_stop_is_honoured_from_then_on(post_sms: SmsPoster, db: Session) -> None:
    replies = bodies(post_sms(sms_params("STOP")).data)
    assert "You will not get any more messages" in replies[-1]
    assert bodies(post_sms(sms_params("hello again")).data) == []
    # Nothing is lost: the message is kept even though it is not answered.
    assert "hello again" in db.scalars(select(Message.body)).all()


def test_start_undoes_stop(post_sms: SmsPoster) -> None:
    post_sms(sms_params("unsubscribe"))
    assert bodies(post_sms(sms_params("START")).data)[-1].startswith("You can text us again")
    assert bodies(post_sms(sms_params("hello")).data) != []


def test_after_stop_a_risk_message_still_gets_the_crisis_contacts(
    post_sms: SmsPoster, db: Session
) -> None:
    post_sms(sms_params("STOP"))
    replies = bodies(post_sms(sms_params("I want to kill myself")).data)
    assert "116 123" in replies[0]
    assert db.scalars(select(RiskFlag.category)).all() == ["self"]


def test_help_says_who_we_are_and_gives_the_crisis_line(post_sms: SmsPoster) -> None:
    [reply] = bodies(post_sms(sms_params("HELP", To="+441214960200")).data)
    assert reply.startswith("This is the Coventry and Warwickshire Liaison and Diversion")
    assert "0808 186 6798" in reply


def test_replies_are_gsm7_so_a_text_costs_one_segment_not_three(post_sms: SmsPoster) -> None:
    for reply in bodies(post_sms(sms_params("HELP")).data):
        assert set(reply) <= GSM7

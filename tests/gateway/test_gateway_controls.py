"""Controls the gateway answers itself: "talk to a person" and "withdraw consent"."""

from __future__ import annotations

from xml.etree import ElementTree

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import SmsPoster, make_referral, sms_params
from webhooks.db.models import Consent, Conversation


def bodies(twiml: bytes) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def test_withdraw_consent_by_text_stamps_every_consent(post_sms: SmsPoster, db: Session) -> None:
    referral = make_referral(db, "together-london")
    conversation = db.get(Conversation, referral.conversation_id)
    assert conversation is not None
    [reply] = bodies(post_sms(sms_params("withdraw consent", From=conversation.contact_key)).data)
    assert reply.startswith("Done. You have withdrawn your consent")
    db.rollback()
    given = db.scalars(select(Consent).where(Consent.given.is_(True))).all()
    assert [c.withdrawn_at is not None for c in given] == [True]
    refused = db.scalars(select(Consent).where(Consent.given.is_(False))).one()
    assert refused.withdrawn_at is None  # nothing to withdraw where none was given


def test_withdraw_consent_from_another_number_changes_nothing(
    post_sms: SmsPoster, db: Session
) -> None:
    make_referral(db, "together-london")
    [reply] = bodies(post_sms(sms_params("Withdraw my consent", From="+447700900123")).data)
    assert reply.startswith("There is no referral from this number")
    db.rollback()
    assert all(c.withdrawn_at is None for c in db.scalars(select(Consent)))


def test_asking_for_a_person_with_no_one_to_talk_to_asks_for_a_call_back(
    post_sms: SmsPoster, db: Session
) -> None:
    # Together publishes no phone to put people through to: a call back is asked for.
    replies = bodies(post_sms(sms_params("talk to a person")).data)
    assert any("asked them to call you back" in reply for reply in replies)
    db.rollback()
    assert db.scalars(select(Conversation.callback_requested)).one() is True


def test_asking_for_a_person_in_hours_gives_the_team_number(post_sms: SmsPoster) -> None:
    replies = bodies(post_sms(sms_params("can I talk to someone", To="+441214960200")).data)
    assert any("024 7696 1214" in reply for reply in replies)

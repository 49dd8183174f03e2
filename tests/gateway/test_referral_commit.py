"""Nothing is confirmed to a person that is not committed."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from webhooks.conversation import TurnHandler
from webhooks.conversation_types import Inbound
from webhooks.db import repository
from webhooks.db.models import Referral
from webhooks.risk_model import default_model
from webhooks.services import Services


def handler(app: Flask, session: Session) -> TurnHandler:
    found: Services = app.extensions["triage"]
    return TurnHandler(
        session=session,
        rasa=found.rasa,
        wording=found.wording,
        questions=found.questions,
        now=OPEN_HOURS,
        spool_dir=found.settings.spool_dir,
        second_net=default_model(),
    )


def test_a_referral_that_cannot_be_stored_is_not_called_sent(app: Flask, db: Session) -> None:
    team = app.extensions["triage"].teams.by_id("south-essex")
    conversation = repository.find_or_open_conversation(db, team.id, "sms", "+447911123456")
    message = repository.add_inbound(db, conversation, "yes", None)
    db.commit()
    inbound = Inbound(team=team, channel="sms", contact_key="+447911123456", text="yes")
    broken = {"flow_id": "self_referral", "answers": []}  # no flow_version
    [reply] = handler(app, db).commit_referral(broken, inbound, message)
    assert reply.text.startswith("Sorry, something went wrong and your referral has not been sent")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_stored_referral_is_confirmed_with_its_reference(app: Flask, db: Session) -> None:
    team = app.extensions["triage"].teams.by_id("south-essex")
    conversation = repository.find_or_open_conversation(db, team.id, "sms", "+447911123456")
    message = repository.add_inbound(db, conversation, "yes", None)
    db.commit()
    inbound = Inbound(team=team, channel="sms", contact_key="+447911123456", text="yes")
    payload = {"flow_id": "self_referral", "flow_version": 1, "answers": []}
    [reply] = handler(app, db).commit_referral(payload, inbound, message)
    stored = db.scalars(select(Referral)).one()
    assert stored.reference in reply.text
    assert reply.text.startswith("Thank you. Your referral has been sent")

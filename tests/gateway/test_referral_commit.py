"""Nothing is confirmed to a person that is not committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webhooks.conversation_types import Inbound, Reply
from webhooks.db import repository
from webhooks.db.engine import db_session
from webhooks.db.models import Referral
from webhooks.services import services, turn_handler

Commit = Callable[[dict[str, object]], list[Reply]]


@pytest.fixture
def commit(app: Flask) -> Iterator[Commit]:
    """Hand a referral payload to the gateway's own turn handler after a "yes" was stored."""
    with app.test_request_context():
        team = services().teams.by_id("south-essex")
        assert team is not None
        session = db_session()
        conversation = repository.find_or_open_conversation(
            session, team.id, "sms", "+447911123456"
        )
        message = repository.add_inbound(session, conversation, "yes", None)
        session.commit()
        inbound = Inbound(team=team, channel="sms", contact_key="+447911123456", text="yes")
        yield lambda payload: turn_handler().commit_referral(payload, inbound, message)


def test_a_referral_that_cannot_be_stored_is_not_called_sent(commit: Commit, db: Session) -> None:
    [reply] = commit({"flow_id": "self_referral", "answers": []})  # no flow_version
    assert reply.text.startswith("Sorry, something went wrong and your referral has not been sent")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_stored_referral_is_confirmed_with_its_reference(commit: Commit, db: Session) -> None:
    [reply] = commit({"flow_id": "self_referral", "flow_version": 1, "answers": []})
    stored = db.scalars(select(Referral)).one()
    assert stored.reference in reply.text
    assert reply.text.startswith("Thank you. Your referral has been sent")

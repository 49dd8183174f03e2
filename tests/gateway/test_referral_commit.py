"""Nothing is confirmed to a person that is not committed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.gateway.conftest import FromFlow
from webhooks.core.replies import Reply
from webhooks.db import referrals
from webhooks.db.models import Referral

Commit = Callable[[dict[str, object]], list[Reply]]


@pytest.fixture
def commit(from_flow: FromFlow) -> Commit:
    """Hand a referral payload to the gateway's own turn handler after a "yes" was stored."""
    return lambda payload: from_flow({"referral": payload})


def test_a_referral_that_cannot_be_stored_is_not_called_sent(commit: Commit, db: Session) -> None:
    [reply] = commit({"flow_id": "south_essex", "answers": []})  # no flow_version
    assert reply.text.startswith("Sorry, something went wrong and your referral has not been sent")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_stored_referral_is_confirmed_with_its_reference(commit: Commit, db: Session) -> None:
    [reply] = commit({"flow_id": "south_essex", "flow_version": 1, "answers": []})
    stored = db.scalars(select(Referral)).one()
    assert stored.reference in reply.text
    assert reply.text.startswith("Thank you. Your referral has been sent")


def test_a_referral_stopped_part_way_is_kept_as_incomplete(commit: Commit, db: Session) -> None:
    answer = {
        "question_id": "full_name",
        "kind": "text",
        "label": "Full name",
        "prompt": "What is your full name?",
        "value": "Sam Jones",
        "display": "Sam Jones",
    }
    payload = {"flow_id": "south_essex", "flow_version": 1, "answers": [answer]}
    [reply] = commit({**payload, "outcome": "stopped", "complete": False})
    assert "Nothing has been sent to the team" in reply.text
    stored = db.scalars(select(Referral)).one()
    assert (stored.complete, stored.status, stored.outcome) == (False, "new", "stopped")
    # Listed with the open referrals (marked incomplete), and on its own under incomplete.
    assert referrals.list_referrals(db, "south-essex") == [stored]
    assert referrals.list_referrals(db, "south-essex", status="incomplete") == [stored]


def test_an_ineligible_ending_keeps_nothing_by_default(commit: Commit, db: Session) -> None:
    answer = {"question_id": "in_south_essex", "kind": "yes_no", "label": "x", "prompt": "?"}
    payload = {"flow_id": "south_essex", "flow_version": 1, "answers": [dict(answer, value=False)]}
    [reply] = commit({**payload, "outcome": "ineligible", "complete": False})
    assert reply.ends_conversation
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_consents_are_stored_each_with_its_time(commit: Commit, db: Session) -> None:
    consents = [
        {"recipient": "ld_team", "given": True, "at": "2026-11-24T10:00:00+00:00"},
        {"recipient": "police", "given": False, "at": "2026-11-24T10:01:00+00:00"},
    ]
    commit({"flow_id": "south_essex", "flow_version": 1, "answers": [], "consents": consents})
    stored = db.scalars(select(Referral)).one()
    assert [(c.recipient, c.given) for c in stored.consents] == [
        ("ld_team", True),
        ("police", False),
    ]
    assert stored.consents[1].given_at.minute == 1


def test_declining_after_a_dropped_call_discards_what_was_kept(commit: Commit, db: Session) -> None:
    answer = {"question_id": "full_name", "kind": "text", "label": "Name", "prompt": "?"}
    partial = {"flow_id": "south_essex", "flow_version": 1, "answers": [dict(answer, value="Al")]}
    commit({**partial, "outcome": "dropped", "complete": False})
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    [reply] = commit({**partial, "outcome": "declined", "complete": False})
    assert reply.ends_conversation
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Referral)) == 0

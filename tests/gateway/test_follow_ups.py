"""Nobody is left behind: people with no referral who still need contact are in the queue."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import SmsPoster, make_referral, sms_params
from webhooks.db import conversations
from webhooks.db.follow_ups import follow_ups

Login = Callable[[str | None], None]


def test_risk_without_a_referral_is_listed_first(post_sms: SmsPoster, db: Session) -> None:
    post_sms(sms_params("hello", From="+447911000201"))  # Rasa is down: kept as pending
    post_sms(sms_params("I want to kill myself", From="+447911000202"))
    listed = follow_ups(db, "together-london")
    assert [item.reasons for item in listed] == [("risk",), ("pending",)]


def test_a_call_back_request_and_a_dropped_call_are_listed(db: Session) -> None:
    asked = conversations.find_or_open_conversation(db, "south-essex", "voice", "CA1")
    asked.callback_requested = True
    dropped = conversations.find_or_open_conversation(db, "south-essex", "voice", "CA2")
    dropped.interrupted_at = OPEN_HOURS
    db.commit()
    assert [item.reasons for item in follow_ups(db, "south-essex")] == [
        ("callback",),
        ("interrupted",),
    ]


def test_a_conversation_that_became_a_referral_is_listed_only_for_what_it_does_not_show(
    db: Session,
) -> None:
    referral = make_referral(db, "south-essex")
    assert follow_ups(db, "south-essex") == []  # the referral is in the queue itself
    referral.conversation.callback_requested = True  # asked after it was sent
    db.commit()
    [item] = follow_ups(db, "south-essex")
    assert (item.reasons, item.referral_id) == (("callback",), referral.id)


def test_the_queue_shows_them_to_the_team_with_a_transcript(
    post_sms: SmsPoster, client: FlaskClient, db: Session, practitioner_login: Login
) -> None:
    post_sms(sms_params("he hits me", From="+447911000203", To="+441214960200"))
    post_sms(sms_params("I want to end my life", From="+447911000204"))  # another team
    practitioner_login("coventry-warwickshire")
    page = client.get("/queue").get_data(as_text=True)
    assert "Also to contact (1)" in page
    assert "Risk shown" in page
    [item] = follow_ups(db, "coventry-warwickshire")
    transcript = client.get(f"/queue/conversations/{item.conversation.id}").get_data(as_text=True)
    assert "he hits me" in transcript
    assert "0808 2000 247" in transcript  # what the bot answered is there too
    [other] = follow_ups(db, "together-london")
    assert client.get(f"/queue/conversations/{other.conversation.id}").status_code == 404

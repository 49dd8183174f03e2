"""What happens after an alert: new risk after a follow-up is heard again, a referral made
after a closed alert gets its own, someone owning or closing a referral stops its alerts,
a passing fault never ends them, a closed referral is not reopened by the bot, and summer
time does not move an opening-time alert."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.config import PROJECT_ROOT
from webhooks.core.alerts import (
    Handed,
    TransportError,
    Transports,
    deliver_due,
    queue_urgent_alerts,
)
from webhooks.db import accounts, conversations, follow_ups, referrals, risks, work
from webhooks.db.models import Alert, Conversation, Referral
from webhooks.teams import load_teams
from webhooks.wording import Wording

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
COVENTRY = TEAMS.by_id("coventry-warwickshire")
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
ANA = work.Actor("token:1", "Ana")


def risk_in(db: Session, conversation: Conversation, at: datetime) -> None:
    message = conversations.add_inbound(db, conversation, "I will end it tonight", None, at=at)
    risks.add_risk_flags(db, message, ["self"], ["end it"], at=at)
    db.commit()


def new_conversation(db: Session) -> Conversation:
    found = conversations.find_or_open_conversation(
        db, "coventry-warwickshire", "sms", "+447911000333"
    )
    db.commit()
    return found


def pending(db: Session) -> list[Alert]:
    return list(db.scalars(select(Alert).where(Alert.status == "pending")))


def test_new_risk_after_a_follow_up_is_alerted_and_listed_again(db: Session) -> None:
    assert COVENTRY is not None
    conversation = new_conversation(db)
    risk_in(db, conversation, TUESDAY_10AM)
    queue_urgent_alerts(db, conversation.id, COVENTRY, TUESDAY_10AM)
    follow_ups.close_follow_up(db, conversation, ANA, TUESDAY_10AM, "Called back: safe")
    db.commit()
    assert pending(db) == []
    thursday = TUESDAY_10AM + timedelta(days=2)
    risk_in(db, conversation, thursday)
    assert queue_urgent_alerts(db, conversation.id, COVENTRY, thursday) == 1
    db.commit()
    listed = follow_ups.follow_ups(db, "coventry-warwickshire")
    assert [item.conversation.id for item in listed] == [conversation.id]


def test_a_referral_after_a_stopped_alert_gets_its_own(db: Session) -> None:
    assert COVENTRY is not None
    conversation = new_conversation(db)
    risk_in(db, conversation, TUESDAY_10AM)
    queue_urgent_alerts(db, conversation.id, COVENTRY, TUESDAY_10AM)
    follow_ups.close_follow_up(db, conversation, ANA, TUESDAY_10AM, "Called back")
    referral = referrals.create_referral(
        db, conversation, {"flow_id": "coventry_warwickshire", "flow_version": 1, "answers": []}
    )
    assert queue_urgent_alerts(db, conversation.id, COVENTRY, TUESDAY_10AM) == 1
    db.commit()
    [fresh] = pending(db)
    assert fresh.referral_id == referral.id


def test_claiming_or_closing_a_referral_stops_its_alerts_and_says_who(
    client: FlaskClient, db: Session
) -> None:
    referral = make_referral(db, "south-essex")
    referral.urgent = True
    db.commit()
    team = TEAMS.by_id("south-essex")
    assert team is not None
    queue_urgent_alerts(db, referral.conversation_id, team, TUESDAY_10AM)
    db.commit()
    assert len(pending(db)) == 1
    value = accounts.create_api_token(db, "south-essex", "Ana")
    db.commit()
    client.post(f"/api/referrals/{referral.id}/claim", headers={"Authorization": f"Bearer {value}"})
    db.rollback()
    assert pending(db) == []
    stored = db.get(Referral, referral.id)
    assert stored is not None and stored.acknowledged_by == "Ana"


def test_a_passing_fault_never_ends_the_alerts_of_a_referral_nobody_has(db: Session) -> None:
    referral = make_referral(db, "south-essex")
    referral.urgent = True
    db.commit()
    team = TEAMS.by_id("south-essex")
    assert team is not None
    queue_urgent_alerts(db, referral.conversation_id, team, TUESDAY_10AM)
    db.commit()

    def failing(alert: Alert, team: Any, text: str) -> Handed:
        raise TransportError("twilio 503", permanent=False)

    moment = TUESDAY_10AM
    for _ in range(40):  # a day of half-hourly tries, and more
        deliver_due(db, moment, TEAMS, WORDING, failing, "https://ld.example.org")
        moment += timedelta(minutes=30)
    [alert] = db.scalars(select(Alert)).all()
    assert (alert.status, alert.attempts) == ("pending", 40)


def test_a_closed_incomplete_referral_is_not_reopened_when_the_person_carries_on(
    db: Session,
) -> None:
    conversation = new_conversation(db)
    stopped = referrals.create_referral(
        db,
        conversation,
        {"flow_id": "coventry_warwickshire", "flow_version": 1, "answers": [], "complete": False},
    )
    work.claim(db, stopped, ANA, TUESDAY_10AM)
    work.change_status(db, stopped, ANA, TUESDAY_10AM, "closed", outcome="unable_to_contact")
    db.commit()
    finished = referrals.create_referral(
        db, conversation, {"flow_id": "coventry_warwickshire", "flow_version": 1, "answers": []}
    )
    db.commit()
    assert finished.id != stopped.id
    assert (finished.status, finished.complete) == ("new", True)


def test_a_declined_ending_deletes_an_incomplete_referral_that_had_alerts(db: Session) -> None:
    assert COVENTRY is not None
    conversation = new_conversation(db)
    risk_in(db, conversation, TUESDAY_10AM)
    kept = referrals.create_referral(
        db,
        conversation,
        {"flow_id": "coventry_warwickshire", "flow_version": 1, "answers": [], "complete": False},
    )
    queue_urgent_alerts(db, conversation.id, COVENTRY, TUESDAY_10AM)
    work.add_note(db, kept, ANA, TUESDAY_10AM, "Tried to call")
    db.commit()
    assert referrals.discard_incomplete(db, conversation.id)
    db.commit()
    assert db.scalars(select(Referral)).all() == []
    assert db.scalars(select(Alert)).all() == []


def test_in_summer_an_alert_waits_for_the_opening_in_london_time(
    db: Session, tmp_path: Path
) -> None:
    assert COVENTRY is not None
    referral = make_referral(db, "coventry-warwickshire")
    referral.urgent = True
    db.commit()
    two_am_bst = datetime(2026, 6, 2, 1, 0, tzinfo=timezone.utc)  # 02:00 in London
    queue_urgent_alerts(db, referral.conversation_id, COVENTRY, two_am_bst)
    db.commit()
    custody_opens = datetime(2026, 6, 2, 6, 30, tzinfo=timezone.utc)  # 07:30 in London
    sink = tmp_path / "duty.jsonl"
    transports = Transports(twilio=None, http=requests.Session(), sink=sink)
    link = "https://ld.example.org"
    before = custody_opens - timedelta(minutes=1)
    assert deliver_due(db, before, TEAMS, WORDING, transports.send, link) == 0
    assert deliver_due(db, custody_opens, TEAMS, WORDING, transports.send, link) == 1


def test_the_api_keeps_its_old_defaults_for_clients_that_never_page(
    client: FlaskClient, db: Session
) -> None:
    for number in range(60):
        make_referral(db, "south-essex", name=f"Person {number}")
    stopped = make_referral(db, "south-essex", name="Stopped Person")
    stopped.complete = False
    db.commit()
    value = accounts.create_api_token(db, "south-essex", "Old client")
    db.commit()
    headers = {"Authorization": f"Bearer {value}"}
    everything = client.get("/api/referrals", headers=headers).json
    assert (len(everything["referrals"]), everything["per_page"]) == (61, 200)
    sent = client.get("/api/referrals?status=new", headers=headers).json
    assert sent["total"] == 60
    assert {r["status"] for r in sent["referrals"]} == {"new"}

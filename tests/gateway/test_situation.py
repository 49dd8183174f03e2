"""Once a person says they are in custody now or due in court soon, they hear whether
that team is working now and when it will have their referral, before the next question."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask import Flask

from flows.protocol import SituationLearnt
from webhooks.config import PROJECT_ROOT
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.replies import Inbound
from webhooks.core.situation import situation_reply, watched_questions
from webhooks.core.turn import gateway_metadata
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import conversations
from webhooks.db.engine import db_session
from webhooks.teams import load_teams
from webhooks.web.services import services
from webhooks.wording import Wording

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
SATURDAY_10AM = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
SATURDAY_9PM = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)


def said(team_id: str, question: str, value: object, now: datetime) -> str | None:
    team = TEAMS.by_id(team_id)
    assert team is not None
    reply = situation_reply(team, question, value, now, WORDING)
    return reply.text if reply else None


def test_in_custody_on_a_saturday_morning_the_custody_team_is_working() -> None:
    text = said("coventry-warwickshire", "justice_status", "in_custody", SATURDAY_10AM)
    assert text is not None
    assert text.startswith("The custody team is working now, until 8pm.")


def test_in_custody_at_night_they_hear_when_the_custody_team_starts_again() -> None:
    text = said("coventry-warwickshire", "justice_status", "in_custody", SATURDAY_9PM)
    assert text is not None
    assert text.startswith("The custody team is not working right now.")
    assert "tomorrow morning at 7:30am" in text


def test_court_tomorrow_names_the_court_team_or_custody_when_the_court_is_shut() -> None:
    text = said("coventry-warwickshire", "next_date", "2026-11-30", SATURDAY_10AM)
    assert text is not None and text.startswith("The court team is working now, until 4:30pm.")


@pytest.mark.parametrize(
    ("team_id", "question", "value"),
    [
        ("coventry-warwickshire", "justice_status", "bail"),  # not time-critical
        ("coventry-warwickshire", "next_date", "2027-03-01"),  # not soon
        ("south-essex", "justice_status", "in_custody"),  # no named custody pathway
        ("together-london", "justice_status", "in_custody"),
    ],
)
def test_nothing_is_said_when_it_changes_nothing(team_id: str, question: str, value: str) -> None:
    assert said(team_id, question, value, SATURDAY_10AM) is None


def test_the_bot_is_told_which_answers_to_hand_over_at_once() -> None:
    team = TEAMS.by_id("coventry-warwickshire")
    assert team is not None
    sent = gateway_metadata(team, "sms", SATURDAY_10AM).to_dict()
    assert sent["watch"] == list(watched_questions())
    assert {"justice_status", "next_date", "urgency"} == set(sent["watch"])


def test_the_gateway_answers_the_bots_payload_in_the_person_s_conversation(app: Flask) -> None:
    with app.test_request_context(method="POST"):  # a turn arrives by POST
        team = services().teams.by_id("coventry-warwickshire")
        assert team is not None
        session = db_session()
        conversation = conversations.find_or_open_conversation(
            session, team.id, "sms", "+447911123456"
        )
        message = conversations.add_inbound(session, conversation, "1", None)
        session.commit()
        inbound = Inbound(team=team, channel="sms", contact_key="+447911123456", text="1")
        endings = FlowEndings(UnitOfWork(session), services().wording, SATURDAY_10AM)
        payload = SituationLearnt("justice_status", "in_custody").to_payload()
        [reply] = endings.handle(payload, inbound, message)
    assert reply.text.startswith("The custody team is working now, until 8pm.")

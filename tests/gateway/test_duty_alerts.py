"""The duty practitioner of the pathway that is working hears of urgent and time-critical
referrals; one that arrives while every pathway is closed is alerted when the first opens;
an SMS alert counts as delivered only when Twilio says so; `make run` shows them locally."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.rest import Client

from flows import load_flows
from flows.record import referral_record
from flows.state import COMPLETE, Context
from tests.fakes.twilio_api import FakeTwilio
from tests.gateway.conftest import make_referral, signed_post
from tests.support.engine_walk import walk_engine
from webhooks import create_app
from webhooks.cli import main
from webhooks.config import PROJECT_ROOT, Settings
from webhooks.core import duty
from webhooks.core.alerts import (
    STATUS_ROUTE,
    Transports,
    deliver_due,
    queue_urgent_alerts,
)
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.replies import Inbound
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import accounts, conversations, referrals, risks
from webhooks.db.engine import db_session
from webhooks.db.models import Alert, Conversation, Referral
from webhooks.dev.scripted import demo_answers
from webhooks.teams import Team, TeamConfigError, load_teams
from webhooks.web.services import services
from webhooks.wording import Wording

WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
# November: London time is UTC. 28/11/2026 is a Saturday, 24/11/2026 a Tuesday.
SATURDAY_10AM = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
TUESDAY_2AM = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
CUSTODY_OPENS = datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc)
LINK = "https://ld.example.org"


def coventry() -> Team:
    team = TEAMS.by_id("coventry-warwickshire")
    assert team is not None
    return team


def sink_lines(sink: Path) -> list[dict[str, Any]]:
    if not sink.exists():
        return []
    return [json.loads(line) for line in sink.read_text().splitlines()]


def deliver_to_sink(db: Session, sink: Path, now: datetime) -> int:
    transports = Transports(twilio=None, http=requests.Session(), sink=sink)
    return deliver_due(db, now, TEAMS, WORDING, transports.send, LINK)


def urgent(db: Session, team_id: str = "coventry-warwickshire") -> Referral:
    referral = make_referral(db, team_id)
    referral.urgent = True
    db.commit()
    return referral


# Which pathway hears.


def test_in_custody_on_a_saturday_alerts_the_custody_duty_practitioner_now() -> None:
    chosen = duty.route(coventry(), ["custody"], SATURDAY_10AM)
    assert chosen is not None
    assert (chosen.pathway, chosen.contacts.sms, chosen.at) == (
        "custody",
        "+447700900211",
        SATURDAY_10AM,
    )


def test_risk_while_reception_is_closed_goes_to_a_pathway_that_is_working() -> None:
    chosen = duty.route(coventry(), [], SATURDAY_10AM)
    assert chosen is not None
    assert chosen.pathway == "custody"
    assert chosen.at == SATURDAY_10AM


def test_in_hours_risk_goes_to_the_pickup_pathway() -> None:
    tuesday_10am = TUESDAY_2AM + timedelta(hours=8)
    chosen = duty.route(coventry(), [], tuesday_10am)
    assert chosen is not None
    assert (chosen.pathway, chosen.at) == ("reception", tuesday_10am)


def test_at_2am_the_first_pathway_to_open_hears_at_its_opening() -> None:
    chosen = duty.route(coventry(), [], TUESDAY_2AM)
    assert chosen is not None
    assert (chosen.pathway, chosen.at) == ("custody", CUSTODY_OPENS)
    london = TEAMS.by_id("together-london")
    assert london is not None
    chosen = duty.route(london, [], TUESDAY_2AM)
    assert chosen is not None
    assert (chosen.pathway, chosen.at) == ("office", TUESDAY_2AM.replace(hour=9))


def test_a_court_date_soon_prefers_the_court_team_when_it_works() -> None:
    chosen = duty.route(coventry(), ["court", "custody"], SATURDAY_10AM)
    assert chosen is not None
    assert chosen.pathway == "court"
    sunday = SATURDAY_10AM + timedelta(days=1)
    chosen = duty.route(coventry(), ["court", "custody"], sunday)
    assert chosen is not None
    assert chosen.pathway == "custody"  # the court team does not work on Sundays


# When they hear.


def test_a_referral_made_at_2am_with_risk_alerts_the_duty_contact_at_opening_time(
    db: Session, tmp_path: Path
) -> None:
    referral = urgent(db)
    assert queue_urgent_alerts(db, referral.conversation_id, coventry(), TUESDAY_2AM) == 1
    db.commit()
    sink = tmp_path / "duty.jsonl"
    for minutes in (1, 60, 5 * 60 + 29):
        assert deliver_to_sink(db, sink, TUESDAY_2AM + timedelta(minutes=minutes)) == 0
    assert sink_lines(sink) == []
    assert deliver_to_sink(db, sink, CUSTODY_OPENS) == 1
    [line] = sink_lines(sink)
    assert (line["team"], line["pathway"], line["to"]) == (
        "coventry-warwickshire",
        "custody",
        "+447700900211",
    )
    assert line["text"].endswith(f"{LINK}/queue/{referral.id}")


def test_alerts_pause_while_their_pathway_is_closed_and_resume_when_it_opens(
    db: Session, tmp_path: Path
) -> None:
    evening = SATURDAY_10AM.replace(hour=19, minute=58)
    referral = urgent(db)
    queue_urgent_alerts(db, referral.conversation_id, coventry(), evening)
    db.commit()
    sink = tmp_path / "duty.jsonl"
    assert deliver_to_sink(db, sink, evening) == 1
    # Custody closes at 8pm: the repeat due at 7:59pm+ waits for 7:30am on Sunday.
    assert deliver_to_sink(db, sink, evening + timedelta(minutes=5)) == 0
    alert = db.scalars(select(Alert)).one()
    sunday_opening = SATURDAY_10AM.replace(day=29, hour=7, minute=30)
    assert alert.next_attempt_at.replace(tzinfo=timezone.utc) == sunday_opening
    assert alert.attempts == 1
    assert deliver_to_sink(db, sink, sunday_opening) == 1


def test_a_team_file_names_only_its_own_pathways(tmp_path: Path) -> None:
    teams = tmp_path / "teams"
    shutil.copytree(PROJECT_ROOT / "data" / "teams", teams)
    team_file = teams / "south-essex.yml"
    raw = yaml.safe_load(team_file.read_text())
    raw["duty"] = {"custody": {"sms": "+447700900311"}}
    team_file.write_text(yaml.safe_dump(raw))
    with pytest.raises(TeamConfigError, match=r"duty\.custody is not one of the hours' pathways"):
        load_teams(teams)


def test_only_duty_texts_may_use_the_fictional_numbers(tmp_path: Path) -> None:
    teams = tmp_path / "teams"
    shutil.copytree(PROJECT_ROOT / "data" / "teams", teams)
    team_file = teams / "south-essex.yml"
    raw = yaml.safe_load(team_file.read_text())
    raw["numbers"] = ["+447700900999"]
    team_file.write_text(yaml.safe_dump(raw))
    with pytest.raises(TeamConfigError, match="not a valid phone number"):
        load_teams(teams)


# Twilio's word on delivery.


@pytest.fixture
def twilio_transports(twilio: FakeTwilio) -> Iterator[Transports]:
    client = Client("AC" + "0" * 32, "token")
    client.api.base_url = twilio.url
    session = requests.Session()
    yield Transports(twilio=client, http=session, status_callback=LINK + STATUS_ROUTE)
    session.close()


def test_an_sms_alert_twilio_reports_undelivered_is_retried_and_shown_as_failed(
    client: FlaskClient,
    db: Session,
    twilio: FakeTwilio,
    twilio_transports: Transports,
    practitioner_login: Any,
) -> None:
    tuesday_10am = TUESDAY_2AM + timedelta(hours=8)
    referral = urgent(db)
    queue_urgent_alerts(db, referral.conversation_id, coventry(), tuesday_10am)
    db.commit()
    send = twilio_transports.send
    assert deliver_due(db, tuesday_10am, TEAMS, WORDING, send, LINK) == 1
    [first] = [r.form for r in twilio.requests]
    assert first["StatusCallback"] == LINK + STATUS_ROUTE
    alert = db.scalars(select(Alert)).one()
    assert (alert.delivery, alert.provider_id) == ("sent", "SM" + "f" * 32)

    practitioner_login("coventry-warwickshire")
    assert "Sent, not yet confirmed" in client.get("/queue").get_data(as_text=True)

    callback = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert signed_post(client, STATUS_ROUTE, callback).status_code == 204
    db.rollback()  # see what the gateway committed
    assert "Not delivered: trying again" in client.get("/queue").get_data(as_text=True)
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "not delivered (twilio undelivered 30003): trying again" in page

    # Retried at once (the gateway's pinned clock), not after the back-off.
    db.rollback()  # the pages' audit entries were written since this session last read
    assert deliver_due(db, tuesday_10am + timedelta(seconds=30), TEAMS, WORDING, send, LINK) == 1
    assert len(twilio.requests) == 2
    callback["MessageStatus"] = "delivered"
    assert signed_post(client, STATUS_ROUTE, callback).status_code == 204
    db.rollback()
    assert db.scalars(select(Alert.delivery)).one() == "delivered"
    assert "Delivered" in client.get("/queue").get_data(as_text=True)


def test_a_status_callback_must_be_signed(client: FlaskClient, db: Session) -> None:
    form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    assert client.post(STATUS_ROUTE, data=form).status_code == 403


def test_a_status_callback_for_another_message_changes_nothing(
    client: FlaskClient, db: Session
) -> None:
    referral = urgent(db)
    queue_urgent_alerts(db, referral.conversation_id, coventry(), SATURDAY_10AM)
    db.commit()
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "undelivered"}
    assert signed_post(client, STATUS_ROUTE, form).status_code == 204
    db.rollback()
    assert db.scalars(select(Alert.delivery)).one() is None


# Out of the box: `make run` sends alerts to a local sink the developer can watch.


@pytest.fixture
def saturday_settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, triage_now=SATURDAY_10AM, duty_sink=tmp_path / "duty-alerts.jsonl")


@pytest.fixture
def saturday_app(saturday_settings: Settings) -> Iterator[Flask]:
    app = create_app(saturday_settings)
    app.config.update(TESTING=True)
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


def coventry_referral_in_custody() -> dict[str, Any]:
    flow = load_flows()["coventry_warwickshire"]
    context = Context(today=SATURDAY_10AM.date(), now=SATURDAY_10AM.isoformat())
    answers = {**demo_answers("self"), "justice_status": "In police custody now"}
    final = list(walk_engine(flow, answers, context))[-1]
    assert final.state.outcome == COMPLETE
    return referral_record(flow, final.answers, final.state, context)


def test_saturday_in_custody_is_time_critical_and_the_custody_duty_hears_in_the_sink(
    saturday_app: Flask, saturday_settings: Settings, db: Session
) -> None:
    client = saturday_app.test_client()
    first = signed_post(
        client,
        "/twilio/sms",
        {
            "MessageSid": "SM" + "1" * 32,
            "AccountSid": "AC" + "0" * 32,
            "From": "+447911123456",
            "To": "+441214960200",
            "Body": "hello",
            "NumMedia": "0",
        },
    ).get_data(as_text=True)
    assert "closed now, but the custody team is working until 8pm" in first

    with saturday_app.test_request_context(method="POST"):  # a turn arrives by POST
        team = coventry()
        session = db_session()
        conversation = conversations.find_or_open_conversation(
            session, team.id, "sms", "+447911123456"
        )
        message = conversations.add_inbound(session, conversation, "In police custody now", None)
        session.commit()
        inbound = Inbound(team=team, channel="sms", contact_key="+447911123456", text="1")
        endings = FlowEndings(UnitOfWork(session), services().wording, SATURDAY_10AM)
        said = endings.handle({"referral": coventry_referral_in_custody()}, inbound, message)
        session.commit()
    # The office is shut until Monday, but the custody team has it now.
    assert said[-1].text == "The custody team is working now and has your referral."

    db.rollback()
    referral = db.scalars(select(Referral)).one()
    assert referral.time_critical
    assert (referral.time_critical_reasons or {})["reasons"] == ["in_custody"]

    environment = {
        "DATABASE_URL": saturday_settings.database_url,
        "SECRET_KEY": "k",
        "TWILIO_AUTH_TOKEN": "token",
        "TRIAGE_NOW": SATURDAY_10AM.isoformat(),
        "TRIAGE_DUTY_SINK": str(saturday_settings.duty_sink),
        "TRIAGE_SPOOL_DIR": str(saturday_settings.spool_dir),
    }
    sent = CliRunner().invoke(main, ["alerts", "--once"], env=environment)
    assert sent.exit_code == 0, sent.output
    assert "sent 1 urgent alert(s)" in sent.output
    shown = CliRunner().invoke(
        main,
        ["alerts", "--tail", "--once"],
        env={"TRIAGE_DUTY_SINK": str(saturday_settings.duty_sink)},
    )
    assert shown.exit_code == 0, shown.output
    [line] = [text for text in shown.output.splitlines() if "coventry-warwickshire" in text]
    assert "coventry-warwickshire / custody  sms to +447700900211" in line
    assert f"/queue/{referral.id}" in line


def test_tail_says_when_nothing_has_been_sent(tmp_path: Path) -> None:
    shown = CliRunner().invoke(
        main, ["alerts", "--tail", "--once"], env={"TRIAGE_DUTY_SINK": str(tmp_path / "none")}
    )
    assert shown.exit_code == 0
    assert "no alerts yet" in shown.output


def test_the_shipped_teams_each_have_a_duty_contact_for_the_pathway_that_picks_up() -> None:
    for team in TEAMS.teams.values():
        assert team.hours.pickup in team.duty_by_pathway, team.id
        assert team.duty.alert_targets(), team.id


# Risk shown before any referral exists.


def risk_with_no_referral(db: Session, at: datetime) -> str:
    conversation = conversations.find_or_open_conversation(
        db, "coventry-warwickshire", "sms", "+447911000222"
    )
    message = conversations.add_inbound(db, conversation, "I want to end my life", None, at=at)
    risks.add_risk_flags(db, message, ["self"], ["end my life"], at=at)
    db.commit()
    return conversation.id


def test_risk_with_no_referral_alerts_the_duty_practitioner_with_a_link_to_the_conversation(
    db: Session, tmp_path: Path
) -> None:
    tuesday_10am = TUESDAY_2AM + timedelta(hours=8)
    conversation_id = risk_with_no_referral(db, tuesday_10am)
    assert queue_urgent_alerts(db, conversation_id, coventry(), tuesday_10am) == 1
    assert queue_urgent_alerts(db, conversation_id, coventry(), tuesday_10am) == 0  # once
    db.commit()
    sink = tmp_path / "duty.jsonl"
    assert deliver_to_sink(db, sink, tuesday_10am) == 1
    [line] = sink_lines(sink)
    assert line["pathway"] == "reception"
    assert line["text"].endswith(f"{LINK}/queue/conversations/{conversation_id}")


def test_a_referral_made_after_the_risk_takes_over_its_alert_instead_of_a_second_one(
    db: Session, tmp_path: Path
) -> None:
    tuesday_10am = TUESDAY_2AM + timedelta(hours=8)
    conversation_id = risk_with_no_referral(db, tuesday_10am)
    queue_urgent_alerts(db, conversation_id, coventry(), tuesday_10am)
    db.commit()
    conversation = db.get(Conversation, conversation_id)
    assert conversation is not None
    referral = referrals.create_referral(
        db, conversation, {"flow_id": "coventry_warwickshire", "flow_version": 1, "answers": []}
    )
    assert referral.urgent
    assert queue_urgent_alerts(db, conversation_id, coventry(), tuesday_10am) == 0
    db.commit()
    [alert] = db.scalars(select(Alert)).all()
    assert alert.referral_id == referral.id
    sink = tmp_path / "duty.jsonl"
    deliver_to_sink(db, sink, tuesday_10am)
    assert sink_lines(sink)[0]["text"].endswith(f"/queue/{referral.id}")


def test_following_the_person_up_stops_the_alerts_and_takes_them_off_the_list(
    client: FlaskClient, db: Session, tmp_path: Path
) -> None:
    conversation_id = risk_with_no_referral(db, SATURDAY_10AM)
    queue_urgent_alerts(db, conversation_id, coventry(), SATURDAY_10AM)
    db.commit()
    value = accounts.create_api_token(db, "coventry-warwickshire", "Ana")
    db.commit()
    bearer = {"Authorization": f"Bearer {value}"}
    listed = client.get("/api/follow-ups", headers=bearer).json
    assert [item["conversation_id"] for item in listed["follow_ups"]] == [conversation_id]
    path = f"/api/follow-ups/{conversation_id}/close"
    assert client.post(path, headers=bearer, json={}).status_code == 422  # say what was done
    closed = client.post(path, headers=bearer, json={"note": "Called back: safe, with family"})
    assert closed.json["followed_up_by"] == "Ana"
    assert client.get("/api/follow-ups", headers=bearer).json["total"] == 0
    db.rollback()
    assert db.scalars(select(Alert.status)).all() == ["acknowledged"]
    assert deliver_to_sink(db, tmp_path / "duty.jsonl", SATURDAY_10AM + timedelta(hours=1)) == 0

"""Urgent referrals alert the duty practitioner in hours, again and again until acknowledged."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.rest import Client

from tests.conftest import OPEN_HOURS
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from tests.gateway.conftest import SmsPoster, make_referral, sms_params
from webhooks import create_app
from webhooks.cli import main
from webhooks.config import PROJECT_ROOT, Settings
from webhooks.core.alerts import Transports, acknowledge, deliver_due, queue_urgent_alerts
from webhooks.db import conversations, risks
from webhooks.db.models import Alert, Referral
from webhooks.teams import TeamDirectory, load_teams
from webhooks.wording import Wording

DUTY_SMS = "+447911000111"
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture
def data_with_duty(tmp_path: Path, twilio: FakeTwilio) -> Path:
    """The shipped data, with a duty number and webhook for Coventry & Warwickshire."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    set_duty(data, "coventry-warwickshire", {"sms": DUTY_SMS, "webhook": f"{twilio.url}/duty"})
    return data


def set_duty(data: Path, team_id: str, duty: dict[str, object] | None) -> None:
    """Give a team in a copy of the data these duty contacts (None: none at all)."""
    team_file = data / "teams" / f"{team_id}.yml"
    raw = yaml.safe_load(team_file.read_text())
    raw.pop("duty", None)
    if duty is not None:
        raw["duty"] = duty
    team_file.write_text(yaml.safe_dump(raw))


@pytest.fixture
def settings(settings: Settings, data_with_duty: Path) -> Settings:  # type: ignore[override]
    return replace(settings, data_dir=data_with_duty)


@pytest.fixture
def teams(data_with_duty: Path) -> TeamDirectory:
    return load_teams(data_with_duty / "teams")


def transports(fake: FakeTwilio) -> Transports:
    """The real twilio client and HTTP session, pointed at the fake."""
    client = Client("AC" + "0" * 32, "token")
    client.api.base_url = fake.url
    return Transports(twilio=client, http=requests.Session())


def sms_sent(fake: FakeTwilio) -> list[dict[str, str]]:
    return [r.form for r in fake.requests if r.path.endswith("/Messages.json")]


def urgent_referral(db: Session, teams: TeamDirectory) -> Referral:
    referral = make_referral(db, "coventry-warwickshire", name="Private Name")
    conversation_id = referral.conversation_id
    message = conversations.add_inbound(
        db, referral.conversation, "I want to kill myself", None, at=OPEN_HOURS
    )
    risks.add_risk_flags(db, message, ["self"], ["kill myself"], at=OPEN_HOURS)
    team = teams.by_id("coventry-warwickshire")
    assert team is not None
    queue_urgent_alerts(db, conversation_id, team, OPEN_HOURS)
    db.commit()
    return referral


def deliver(db: Session, teams: TeamDirectory, fake: FakeTwilio, minutes: float) -> int:
    now = OPEN_HOURS + timedelta(minutes=minutes)
    return deliver_due(db, now, teams, WORDING, transports(fake).send, "https://ld.example.org")


def test_it_texts_the_duty_number_with_a_link_and_no_clinical_detail(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio
) -> None:
    referral = urgent_referral(db, teams)
    assert deliver(db, teams, twilio, 0) == 2  # the SMS and the webhook
    [sms] = [r for r in twilio.requests if r.path.endswith("/Messages.json")]
    assert sms.path == "/2010-04-01/Accounts/AC" + "0" * 32 + "/Messages.json"
    assert sms.form == {
        "To": DUTY_SMS,
        "From": "+441214960200",
        "Body": "Urgent referral waiting for Coventry & Warwickshire L&D: "
        f"https://ld.example.org/queue/{referral.id}",
    }


def test_it_repeats_with_backoff_until_acknowledged(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio
) -> None:
    referral = urgent_referral(db, teams)
    assert deliver(db, teams, twilio, 0) == 2
    assert deliver(db, teams, twilio, 0.5) == 0  # not due yet
    assert deliver(db, teams, twilio, 1) == 2  # one minute later
    assert deliver(db, teams, twilio, 2) == 0  # then two minutes after that
    assert deliver(db, teams, twilio, 3) == 2
    acknowledge(db, referral, OPEN_HOURS + timedelta(minutes=4))
    db.commit()
    assert deliver(db, teams, twilio, 60) == 0
    assert len(sms_sent(twilio)) == 3


def test_a_failed_send_is_tried_again_later(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio
) -> None:
    urgent_referral(db, teams)
    twilio.status = 503
    assert deliver(db, teams, twilio, 0) == 0
    alert = db.scalars(select(Alert).where(Alert.kind == "sms")).one()
    assert (alert.status, alert.last_error) == ("pending", "twilio 503")
    webhook = db.scalars(select(Alert).where(Alert.kind == "webhook")).one()
    assert (webhook.status, webhook.last_error) == ("pending", "webhook 503")
    twilio.status = 201
    assert deliver(db, teams, twilio, 1) == 2


def test_a_refused_number_is_given_up_and_logged(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    urgent_referral(db, teams)
    twilio.status = 400
    deliver(db, teams, twilio, 0)
    assert db.scalars(select(Alert.status)).all() == ["failed", "failed"]
    assert "gave up" in caplog.text


def test_out_of_hours_the_alert_waits_for_the_pathway_to_open(
    db: Session, teams: TeamDirectory
) -> None:
    referral = make_referral(db, "coventry-warwickshire")
    referral.urgent = True
    db.commit()
    team = teams.by_id("coventry-warwickshire")
    assert team is not None
    sunday = OPEN_HOURS - timedelta(days=2)
    assert queue_urgent_alerts(db, referral.conversation_id, team, sunday) == 2
    # Only reception has a duty contact here: it hears on Monday at 8:30am (London).
    opening = OPEN_HOURS - timedelta(days=1, hours=1, minutes=30)
    assert {
        alert.next_attempt_at.replace(tzinfo=timezone.utc) for alert in db.scalars(select(Alert))
    } == {opening}


def test_a_time_critical_referral_alerts_the_duty_practitioner_in_hours(
    db: Session, teams: TeamDirectory
) -> None:
    referral = make_referral(db, "coventry-warwickshire")
    referral.time_critical = True  # in custody now, and no risk shown
    db.commit()
    team = teams.by_id("coventry-warwickshire")
    assert team is not None
    assert queue_urgent_alerts(db, referral.conversation_id, team, OPEN_HOURS) == 2


def test_a_team_without_a_duty_contact_queues_nothing(db: Session, data_with_duty: Path) -> None:
    set_duty(data_with_duty, "south-essex", None)
    teams = load_teams(data_with_duty / "teams")
    referral = make_referral(db, "south-essex")
    referral.urgent = True
    db.commit()
    team = teams.by_id("south-essex")
    assert team is not None
    assert queue_urgent_alerts(db, referral.conversation_id, team, OPEN_HOURS) == 0


def test_risk_by_text_after_a_referral_queues_the_alerts(
    post_sms: SmsPoster, db: Session, app: Flask
) -> None:
    referral = make_referral(db, "coventry-warwickshire")
    referral_id, contact = referral.id, referral.conversation.contact_key
    db.rollback()
    post_sms(sms_params("he hits me", To="+441214960200", From=contact))
    kinds = db.scalars(select(Alert.kind).where(Alert.referral_id == referral_id)).all()
    assert sorted(kinds) == ["sms", "webhook"]


def test_a_practitioner_acknowledges_in_the_queue(
    client: FlaskClient,
    db: Session,
    teams: TeamDirectory,
    practitioner_login: Callable[[str | None], None],
) -> None:
    referral = urgent_referral(db, teams)
    practitioner_login("coventry-warwickshire")
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "stop the urgent alerts" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/queue/{referral.id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 302
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    assert db.scalars(select(Alert.status)).all() == ["acknowledged", "acknowledged"]


def test_the_webhook_alert_carries_no_clinical_detail(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio
) -> None:
    referral = urgent_referral(db, teams)
    deliver(db, teams, twilio, 0)
    [hook] = [r for r in twilio.requests if r.path == "/duty"]
    assert hook.json_body == {
        "type": "urgent_referral",
        "team": "coventry-warwickshire",
        "text": "Urgent referral waiting for Coventry & Warwickshire L&D: "
        f"https://ld.example.org/queue/{referral.id}",
    }


def test_create_app_loads_the_duty_contacts(settings: Settings) -> None:
    app = create_app(settings)
    team = app.extensions["triage"].teams.by_id("coventry-warwickshire")
    app.extensions["engine"].dispose()
    assert team.duty.sms == DUTY_SMS


def test_triage_alerts_once_sends_what_is_due(
    db: Session, teams: TeamDirectory, twilio: FakeTwilio, settings: Settings
) -> None:
    urgent_referral(db, teams)
    result = CliRunner().invoke(
        main,
        ["alerts", "--once"],
        env={
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": "k",
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_API_BASE_URL": twilio.url,
            "TRIAGE_DATA_DIR": str(settings.data_dir),
            "TRIAGE_NOW": OPEN_HOURS.isoformat(),
            "PUBLIC_BASE_URL": "https://ld.example.org",
        },
    )
    assert result.exit_code == 0, result.output
    assert "sent 2 urgent alert(s)" in result.output
    assert [sms["To"] for sms in sms_sent(twilio)] == [DUTY_SMS]

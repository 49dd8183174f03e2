"""Gateway fixtures: signed Twilio requests, seeded referrals, a signed-in practitioner."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from tests.conftest import TWILIO_AUTH_TOKEN, free_port
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from webhooks import create_app
from webhooks.config import Settings
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.replies import Inbound, Reply
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import accounts, conversations, referrals
from webhooks.db.engine import db_session, deferred
from webhooks.db.models import Message, Referral
from webhooks.web.services import services

SmsPoster = Callable[..., TestResponse]
ACCOUNT_SID = "AC" + "0" * 32
# Nothing listens here: a database that is down.
DATABASE_DOWN = f"postgresql://postgres@127.0.0.1:{free_port()}/triage"


def sms_params(body: str, **overrides: str) -> dict[str, str]:
    """The fields Twilio posts for a text to Together London."""
    sid = "SM" + uuid.uuid4().hex
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+447911123456",
        "To": "+442079460100",
        "Body": body,
        "NumMedia": "0",
    }
    params.update(overrides)
    return params


def signed_post(client: FlaskClient, path: str, params: dict[str, str]) -> TestResponse:
    """Post a Twilio webhook to `path`, signed as Twilio signs it."""
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(
        "http://localhost" + path, params
    )
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def post_sms(client: FlaskClient) -> SmsPoster:
    """Post a messaging webhook signed as Twilio signs it (over the URL it called)."""

    def post(
        params: dict[str, str],
        url: str = "http://localhost/twilio/sms",
        token: str = TWILIO_AUTH_TOKEN,
        **kwargs: Any,
    ) -> TestResponse:
        signature = RequestValidator(token).compute_signature(url, params)
        return client.post(
            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}, **kwargs
        )

    return post


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the app's database, for seeding and checking rows.

    It begins DEFERRED on SQLite: left open between a check and the next request, it
    must not hold the write lock the gateway needs.
    """
    with Session(deferred(app.extensions["engine"])) as session:
        yield session


def make_referral(session: Session, team_id: str, name: str = "Sam Jones") -> Referral:
    """A committed referral as the bot would store it."""
    conversation = conversations.find_or_open_conversation(
        session, team_id, "sms", f"+4479111{uuid.uuid4().int % 100000:05d}"
    )
    referral = referrals.create_referral(
        session,
        conversation,
        {
            "flow_id": "south_essex",
            "flow_version": 1,
            "answers": [
                {
                    "question_id": "full_name",
                    "kind": "text",
                    "label": "Full name",
                    "prompt": "What is your full name?",
                    "value": name,
                    "display": name,
                },
                {
                    "question_id": "consent_ld_team",
                    "kind": "yes_no",
                    "label": "Consent",
                    "prompt": "Do you agree?",
                    "value": True,
                    "display": "Yes",
                },
            ],
            "consents": [
                {"recipient": "ld_team", "given": True, "at": "2026-11-24T09:00:00+00:00"},
                {"recipient": "police", "given": False, "at": "2026-11-24T09:00:00+00:00"},
            ],
        },
    )
    session.commit()
    return referral


@pytest.fixture
def practitioner_login(client: FlaskClient, db: Session) -> Callable[..., None]:
    """Sign in as a practitioner of one team (None: every team); `lead=True` as its lead."""

    def login(team_id: str | None, lead: bool = False) -> None:
        password = "correct horse battery staple"
        # End any read this session began: the gateway may have written since (every
        # look at a referral is audited), and SQLite will not write from an old snapshot.
        db.commit()
        accounts.upsert_practitioner(
            db, "pat@example.nhs.uk", "Pat", generate_password_hash(password), team_id, lead=lead
        )
        db.commit()
        client.application.config["WTF_CSRF_ENABLED"] = False
        response = client.post("/login", data={"email": "pat@example.nhs.uk", "password": password})
        client.application.config["WTF_CSRF_ENABLED"] = True
        assert response.status_code == 302

    return login


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    """Twilio's REST API and media store, on a local port."""
    with fake_twilio() as fake:
        yield fake


@pytest.fixture
def app_with_twilio_rest(settings: Settings, twilio: FakeTwilio) -> Iterator[Flask]:
    """The gateway with a Twilio account whose REST API is the fake."""
    app = create_app(
        replace(settings, twilio_account_sid=ACCOUNT_SID, twilio_api_base_url=twilio.url)
    )
    yield app
    app.extensions["engine"].dispose()
    app.extensions["triage"].transports.http.close()


@pytest.fixture
def app_without_database(settings: Settings) -> Iterator[Flask]:
    """The gateway with its database down (nothing listens where it points)."""
    app = create_app(replace(settings, database_url=DATABASE_DOWN))
    yield app
    app.extensions["engine"].dispose()


FromFlow = Callable[[dict[str, object]], list[Reply]]


@pytest.fixture
def from_flow(app: Flask) -> FromFlow:
    """Hand a custom payload from the flow to the gateway's turn handler, as Rasa's reply
    would, in a South Essex text conversation; what it commits is visible to `db`.

    Each payload is its own request, as each turn is: a context held open across the
    test would lend its session to every request the test's client makes meanwhile.
    """
    sender = "+447911123456"
    with app.test_request_context(method="POST"):  # a turn arrives by POST
        team = services().teams.by_id("south-essex")
        assert team is not None
        session = db_session()
        conversation = conversations.find_or_open_conversation(session, team.id, "sms", sender)
        message_id = conversations.add_inbound(session, conversation, "yes", None).id
        session.commit()
    inbound = Inbound(team=team, channel="sms", contact_key=sender, text="yes")

    def handle(payload: dict[str, object]) -> list[Reply]:
        with app.test_request_context(method="POST"):
            session = db_session()
            message = session.get(Message, message_id)
            assert message is not None
            endings = FlowEndings(UnitOfWork(session), services().wording, services().now())
            replies = endings.handle(payload, inbound, message)
            session.commit()
            return replies

    return handle

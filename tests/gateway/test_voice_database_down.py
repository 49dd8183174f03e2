"""A call with the database down: every route answers with the crisis contacts and an offer
to put the caller through, and a line that does not answer comes back to us."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from tests.conftest import OPEN_HOURS, TWILIO_AUTH_TOKEN
from tests.gateway.conftest import DATABASE_DOWN, signed_post
from webhooks import create_app
from webhooks.config import Settings
from webhooks.core import spool

COVENTRY = "+441214960200"
LONDON = "+442079460100"
COVENTRY_OFFICE = "+442476961214"
COVENTRY_CRISIS = "+448081866798"
CALLER = "+447911123456"
CALL_SID = "CA" + "5" * 32
# 10pm on the same Tuesday: the Coventry office is closed.
NIGHT = OPEN_HOURS + timedelta(hours=12)


def call_params(to: str = COVENTRY, **extra: str) -> dict[str, str]:
    return {"CallSid": CALL_SID, "From": CALLER, "To": to, "CallStatus": "in-progress", **extra}


def twiml_of(response: TestResponse) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data(as_text=True))


def spoken(root: ET.Element) -> str:
    """Everything the caller hears, in order."""
    return " ".join(say.text or "" for say in root.iter("Say"))


def follow(client: FlaskClient, url: str, **extra: str) -> ET.Element:
    """Post to a URL our TwiML named, as Twilio would (relative to the host)."""
    return twiml_of(signed_post(client, url, call_params(**extra)))


def offered(root: ET.Element) -> ET.Element:
    """The one Gather: the offer to put the caller through."""
    [gather] = root.iter("Gather")
    return gather


def put_through_after_yes(client: FlaskClient, **extra: str) -> ET.Element:
    """A call comes in; the caller presses 1 at the offer; the Dial they get."""
    gather = offered(follow(client, "/twilio/voice", **extra))
    [dial] = follow(client, gather.attrib["action"], Digits="1", **extra).iter("Dial")
    return dial


@pytest.fixture
def client(app_without_database: Flask) -> FlaskClient:
    return app_without_database.test_client()


@pytest.fixture
def at_night(settings: Settings) -> Iterator[FlaskClient]:
    app = create_app(replace(settings, database_url=DATABASE_DOWN, triage_now=NIGHT))
    yield app.test_client()
    app.extensions["engine"].dispose()


def test_it_answers_a_call_with_the_crisis_contacts_and_says_it_cannot_take_details(
    client: FlaskClient,
) -> None:
    heard = spoken(follow(client, "/twilio/voice"))
    assert "we cannot take your details right now" in heard
    assert "999" in heard
    assert "116 123" in heard
    assert "call the Coventry and Warwickshire crisis line" in heard


def test_it_offers_to_put_the_caller_through_by_key_or_by_voice(client: FlaskClient) -> None:
    gather = offered(follow(client, "/twilio/voice"))
    assert gather.attrib["input"] == "speech dtmf"
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    assert "press 1 or say yes" in spoken(gather)
    assert urlsplit(gather.attrib["action"]).path == "/twilio/voice/put-through"


@pytest.mark.parametrize("yes", [{"Digits": "1"}, {"SpeechResult": "Yes please."}])
def test_in_hours_yes_puts_the_caller_through_to_the_team_and_an_unanswered_line_comes_back(
    client: FlaskClient, yes: dict[str, str]
) -> None:
    gather = offered(follow(client, "/twilio/voice"))
    assert "put through to the team" in spoken(gather)
    through = follow(client, gather.attrib["action"], **yes)
    assert "Putting you through to the team now." in spoken(through)
    [dial] = through.iter("Dial")
    assert dial.text == COVENTRY_OFFICE
    assert 20 <= int(dial.attrib["timeout"]) <= 30
    assert dial.attrib["method"] == "POST"
    assert urlsplit(dial.attrib["action"]).path == "/twilio/voice/after-dial"


def test_out_of_hours_yes_puts_the_caller_through_to_the_crisis_line(
    at_night: FlaskClient,
) -> None:
    assert put_through_after_yes(at_night).text == COVENTRY_CRISIS


def test_a_line_that_does_not_answer_brings_the_caller_back_to_the_contacts_and_goodbye(
    client: FlaskClient,
) -> None:
    dial = put_through_after_yes(client)
    back = follow(client, dial.attrib["action"], DialCallStatus="no-answer")
    heard = spoken(back)
    assert "116 123" in heard
    assert "999" in heard
    assert "Goodbye." in heard
    assert back.find("Hangup") is not None
    assert back.find("Dial") is None


@pytest.mark.parametrize("answer", [{}, {"Digits": "2"}, {"SpeechResult": "No thanks."}])
def test_anything_but_yes_at_the_offer_gives_the_contacts_again_and_goodbye(
    client: FlaskClient, answer: dict[str, str]
) -> None:
    gather = offered(follow(client, "/twilio/voice"))
    back = follow(client, gather.attrib["action"], **answer)
    assert "116 123" in spoken(back)
    assert back.find("Dial") is None
    assert back.find("Hangup") is not None


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/twilio/voice", {}),
        ("/twilio/voice/answer?attempt=0", {}),
        ("/twilio/voice/answer?attempt=0", {"Digits": "*"}),
        ("/twilio/voice/answer?attempt=0", {"SpeechResult": "Sam Jones"}),
        ("/twilio/voice/other-ways", {"Digits": "1"}),
        ("/twilio/voice/other-ways", {"Digits": "2"}),
        ("/twilio/voice/connect", {"Digits": "2"}),
    ],
)
def test_every_voice_route_answers_with_the_contacts_and_the_offer(
    client: FlaskClient, path: str, extra: dict[str, str]
) -> None:
    root = follow(client, path, **extra)
    assert "116 123" in spoken(root)
    assert "press 1 or say yes" in spoken(offered(root))


def test_risk_said_on_a_call_gets_the_crisis_reply_and_the_crisis_line_even_in_hours(
    client: FlaskClient, settings: Settings
) -> None:
    root = follow(client, "/twilio/voice/answer?attempt=0", SpeechResult="I want to kill myself")
    heard = spoken(root)
    # The safety net's own words for risk to self, before anything else.
    assert heard.startswith("I am sorry you are feeling like this.")
    assert "text SHOUT to 85258" in heard
    gather = offered(root)
    assert "put through to the Coventry and Warwickshire crisis line" in spoken(gather)
    [dial] = follow(client, gather.attrib["action"], Digits="1").iter("Dial")
    assert dial.text == COVENTRY_CRISIS
    # The words wait on disk for the database, as on every channel.
    kept = [spool.read_message(path).text for path in settings.spool_dir.glob("*.json")]
    assert any("I want to kill myself" in text for text in kept)


def test_keys_that_steer_the_call_are_not_kept_as_a_message(
    client: FlaskClient, settings: Settings
) -> None:
    follow(client, "/twilio/voice/answer?attempt=0", Digits="*")
    assert not list(settings.spool_dir.glob("*.json"))


def test_where_no_one_can_be_dialled_the_caller_hears_the_contacts_twice_and_goodbye(
    client: FlaskClient,
) -> None:
    root = follow(client, "/twilio/voice", to=LONDON)
    heard = spoken(root)
    assert heard.count("call NHS 111 and choose option 2") == 2
    assert root.find("Gather") is None
    assert root.find("Hangup") is not None


def test_the_status_callback_succeeds_and_logs_only_the_error_class(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = signed_post(client, "/twilio/voice/status", call_params(CallStatus="completed"))
    assert response.status_code == 204
    logged = [record.getMessage() for record in caplog.records]
    assert "database unavailable on a call: OperationalError" in logged
    assert not any(CALLER in line or CALL_SID in line for line in logged)


@pytest.mark.parametrize("path", ["/twilio/voice/put-through?to=team", "/twilio/voice/after-dial"])
def test_the_routes_of_the_offer_refuse_unsigned_and_forged_requests(
    client: FlaskClient, path: str
) -> None:
    params = call_params(Digits="1")
    assert client.post(path, data=params).status_code == 403
    forged = RequestValidator("not-the-token").compute_signature("http://localhost" + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    good = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature("http://localhost" + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": good}).status_code == 200

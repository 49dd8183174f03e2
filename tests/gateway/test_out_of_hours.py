"""Out of hours the bot still answers, says when the team is back, and gives crisis lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from tests.gateway.conftest import signed_post, sms_params
from webhooks import create_app
from webhooks.config import Settings

ClientAt = Callable[[str], FlaskClient]
COVENTRY, LONDON, ESSEX = "+441214960200", "+442079460100", "+441134960300"


@pytest.fixture
def client_at(settings: Settings) -> Iterator[ClientAt]:
    """A gateway whose clock is pinned, as TRIAGE_NOW pins it."""
    apps = []

    def make(moment: str) -> FlaskClient:
        app = create_app(replace(settings, triage_now=datetime.fromisoformat(moment)))
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["engine"].dispose()


def text_to(client: FlaskClient, to: str, body: str, sender: str = "+447911123456") -> list[str]:
    response = signed_post(client, "/twilio/sms", sms_params(body, To=to, From=sender))
    assert response.status_code == 200
    return [m.text or "" for m in ElementTree.fromstring(response.data).iter("Message")]


@pytest.mark.parametrize(
    ("moment", "when"),
    [
        ("2026-11-24T22:00:00+00:00", "tomorrow morning at 8:30am"),  # weekday night
        ("2026-11-22T10:00:00+00:00", "tomorrow morning at 8:30am"),  # Sunday
        ("2026-12-25T10:00:00+00:00", "on Tuesday morning at 8:30am"),  # Christmas Day
        ("2026-10-25T00:30:00+00:00", "tomorrow morning at 8:30am"),  # clocks go back
    ],
)
def test_coventry_out_of_hours_gives_its_crisis_line_first(
    client_at: ClientAt, moment: str, when: str
) -> None:
    replies = text_to(client_at(moment), COVENTRY, "hello")
    assert "closed now" in replies[0]
    assert f"pick it up {when}" in replies[0]
    assert "0808 186 6798" in replies[0]  # the crisis line...
    assert "024" not in " ".join(replies)  # ...never the office phone
    assert "999" in replies[0]


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        # A Saturday morning: custody and the court are working.
        (
            "2026-11-28T10:00:00+00:00",
            "but the custody team is working until 8pm and the court team until 4:30pm.",
        ),
        # A Friday evening in summer (British Summer Time): custody only, until 8pm local.
        ("2026-07-03T17:30:00+01:00", "but the custody team is working until 8pm."),
    ],
)
def test_when_the_office_is_closed_it_names_the_teams_working_now(
    client_at: ClientAt, moment: str, working: str
) -> None:
    [notice, *_] = text_to(client_at(moment), COVENTRY, "hello")
    assert notice.startswith(f"Our office is closed now, {working}")
    assert "the office will pick it up on Monday morning at 8:30am" in notice
    assert "0808 186 6798" in notice


def test_when_nothing_is_working_it_says_the_team_is_closed(client_at: ClientAt) -> None:
    [notice, *_] = text_to(client_at("2026-11-28T21:00:00+00:00"), COVENTRY, "hello")
    assert notice.startswith("The Coventry and Warwickshire Liaison and Diversion team is closed")
    assert "working" not in notice


def test_london_out_of_hours_points_to_nhs_111_option_2(client_at: ClientAt) -> None:
    replies = text_to(client_at("2026-11-28T23:00:00+00:00"), LONDON, "hello")
    assert "call NHS 111 and choose option 2" in replies[0]
    assert "on Monday morning at 9am" in replies[0]


def test_south_essex_is_never_out_of_hours(client_at: ClientAt) -> None:
    replies = text_to(client_at("2026-12-25T03:00:00+00:00"), ESSEX, "hello")
    assert not any("closed" in reply for reply in replies)


def test_the_notice_opens_a_conversation_but_is_not_repeated(client_at: ClientAt) -> None:
    client = client_at("2026-11-24T22:00:00+00:00")
    assert "closed now" in text_to(client, COVENTRY, "hello")[0]
    assert not any("closed now" in r for r in text_to(client, COVENTRY, "Sam Jones"))


def test_risk_out_of_hours_gets_the_crisis_reply_first(client_at: ClientAt) -> None:
    replies = text_to(client_at("2026-11-24T22:00:00+00:00"), COVENTRY, "I want to kill myself")
    assert replies[0].startswith("I am sorry you are feeling like this")
    assert "closed now" in replies[1]


def test_the_web_chat_says_so_too(client_at: ClientAt) -> None:
    client = client_at("2026-11-22T10:00:00+00:00")
    page = client.get("/chat/coventry-warwickshire").get_data(as_text=True)
    token = page.split('data-csrf="')[1].split('"')[0]
    response = client.post(
        "/chat/coventry-warwickshire/messages",
        json={"text": "hello"},
        headers={"X-CSRFToken": token},
    )
    assert response.json is not None
    assert "closed now" in response.json["replies"][0]["text"]


def test_a_call_out_of_hours_hears_the_notice_and_the_crisis_line_first(
    client_at: ClientAt,
) -> None:
    client = client_at("2026-12-25T10:00:00+00:00")
    params = {"CallSid": "CA" + "5" * 32, "From": "+447911123456", "To": COVENTRY}
    response = signed_post(client, "/twilio/voice", params)
    spoken = [say.text or "" for say in ElementTree.fromstring(response.data).iter("Say")]
    # Custody suites work on Christmas Day: the caller hears so.
    assert spoken[0].startswith("Our office is closed now, but the custody team is working")
    assert "on Tuesday morning at 8:30am" in spoken[0]
    assert "0808 186 6798" in spoken[0]

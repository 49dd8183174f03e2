"""Questions about the service are answered from the team's own file, on any channel: the
hours of each pathway and whether it is working now, what the service is and is not,
where the office is, phone or in person, peer support; what the file does not say is
said kindly as not known. Inside a referral the question asked before comes again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask

from flows.protocol import INFO_TOPICS, InfoAsked, QuestionAsked
from tests.faults.conftest import StubRasa, stub_rasa
from tests.gateway.conftest import SmsPoster, sms_params
from webhooks.config import PROJECT_ROOT, Settings
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.replies import Inbound
from webhooks.core.team_info import info_text
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import conversations
from webhooks.db.engine import db_session
from webhooks.teams import Team, load_teams
from webhooks.web.services import services
from webhooks.wording import Wording

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
WORDING = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
SATURDAY_10AM = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
SATURDAY_9PM = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
COVENTRY_NUMBER = "+441214960200"
UNKNOWN = "Sorry, I do not have that information"


def team(team_id: str) -> Team:
    found = TEAMS.by_id(team_id)
    assert found is not None
    return found


def answer(team_id: str, topic: str, now: datetime = SATURDAY_10AM) -> str:
    return info_text(team(team_id), topic, now, WORDING)


@pytest.mark.parametrize("team_id", sorted(TEAMS.teams))
@pytest.mark.parametrize("topic", INFO_TOPICS)
def test_it_answers_every_topic_for_every_team_in_full_words(team_id: str, topic: str) -> None:
    text = answer(team_id, topic)
    assert text and "{" not in text and "}" not in text


def test_it_gives_coventry_s_office_address_and_its_reception_line_not_as_a_crisis_line() -> None:
    text = answer("coventry-warwickshire", "office")
    assert "Swanswell Point, Stoney Stanton Road, Coventry CV1 4FS" in text
    assert "Reception is on 024 7696 1214, Monday to Friday, 8:30am to 4:30pm." in text
    assert "It is not a crisis line" in text
    assert "0808 186 6798" in text  # the crisis line to call instead


def test_it_gives_each_coventry_pathway_s_hours_and_who_is_working_on_a_saturday_morning() -> None:
    text = answer("coventry-warwickshire", "hours", SATURDAY_10AM)
    assert (
        "Reception: Monday to Friday, 8:30am to 4:30pm (not working now, back on Monday morning"
        " at 8:30am)" in text
    )
    assert "custody suites): every day, 7:30am to 8pm (working now, until 8pm)" in text
    assert "courts): Monday to Saturday, 8:30am to 4:30pm (working now, until 4:30pm)" in text
    assert "The outreach team: Monday to Friday, 8:30am to 4:30pm (not working now" in text


def test_at_night_the_custody_team_is_said_to_be_back_in_the_morning() -> None:
    text = answer("coventry-warwickshire", "hours", SATURDAY_9PM)
    assert "7:30am to 8pm (not working now, back tomorrow morning at 7:30am)" in text


def test_south_essex_is_working_now_whatever_the_hour() -> None:
    for now in (SATURDAY_10AM, SATURDAY_9PM):
        text = answer("south-essex", "hours", now)
        assert "The team: every day, 24 hours a day (working now)." in text
        assert "until" not in text


def test_together_s_office_is_open_on_a_weekday_morning() -> None:
    text = answer("together-london", "hours", TUESDAY_10AM)
    assert "The office: Monday to Friday, 9am to 5pm (working now, until 5pm)." in text


@pytest.mark.parametrize(
    ("team_id", "crisis_line"),
    [
        ("coventry-warwickshire", "Coventry and Warwickshire crisis line on 0808 186 6798"),
        ("south-essex", "call NHS 111 and choose option 2"),
        ("together-london", "call NHS 111 and choose option 2"),
    ],
)
def test_the_service_is_said_to_be_no_emergency_or_crisis_service_with_the_team_s_crisis_line(
    team_id: str, crisis_line: str
) -> None:
    text = answer(team_id, "service")
    assert "This is not an emergency or crisis service" in text
    assert crisis_line in text


def test_the_crisis_line_question_gives_the_team_s_own_crisis_line() -> None:
    text = answer("coventry-warwickshire", "crisis_line")
    assert text.startswith("This is not a crisis line.")
    assert "0808 186 6798" in text and "116 123" in text


def test_south_essex_says_support_is_by_phone_or_in_person_at_the_station_or_court() -> None:
    text = answer("south-essex", "support_how")
    assert "over the phone" in text
    assert "meet you at the police station or court" in text


def test_coventry_tells_a_voluntary_attendee_to_phone_before_or_come_to_the_office() -> None:
    text = answer("coventry-warwickshire", "support_how")
    assert "voluntary police interview, you can phone the team on 024 7696 1214 before" in text
    assert "come to the office on the day" in text and "CV1 4FS" in text


def test_coventry_has_peer_workers_and_support_to_first_appointments() -> None:
    text = answer("coventry-warwickshire", "peer_support")
    assert "peer workers" in text and "first appointments" in text


def test_together_has_peer_support_community_link_workers_and_provision_for_women() -> None:
    text = answer("together-london", "peer_support")
    assert "peer supporters" in text
    assert "community link workers" in text
    assert "provision for women" in text


@pytest.mark.parametrize(
    ("team_id", "topic"),
    [
        ("south-essex", "peer_support"),  # its page says nothing of peer support
        ("together-london", "support_how"),  # nor Together's of phone or in person
    ],
)
def test_what_a_team_s_file_does_not_say_is_said_kindly_as_not_known(
    team_id: str, topic: str
) -> None:
    text = answer(team_id, topic)
    assert text.startswith(UNKNOWN)
    assert "The team can tell you when they contact you." in text


def test_a_team_with_no_office_address_says_where_it_works_and_that_it_has_none_to_give() -> None:
    text = answer("south-essex", "office")
    assert "Southend, Basildon and Grays police stations" in text
    assert "I do not have an office address to give you." in text


def test_a_topic_nobody_knows_is_answered_kindly_rather_than_guessed() -> None:
    assert answer("together-london", "parking").startswith(UNKNOWN)


def test_the_gateway_answers_the_bots_question_about_the_service(app: Flask) -> None:
    with app.test_request_context(method="POST"):  # a turn arrives by POST
        coventry = services().teams.by_id("coventry-warwickshire")
        assert coventry is not None
        session = db_session()
        conversation = conversations.find_or_open_conversation(
            session, coventry.id, "sms", "+447911123456"
        )
        message = conversations.add_inbound(session, conversation, "where are you?", None)
        session.commit()
        inbound = Inbound(coventry, "sms", "+447911123456", "where are you?")
        endings = FlowEndings(UnitOfWork(session), services().wording, SATURDAY_10AM)
        [reply] = endings.handle(InfoAsked("office").to_payload(), inbound, message)
    assert "Swanswell Point" in reply.text


# Inside a referral: Rasa hands over the topic, then asks the open question again.
QUESTION = QuestionAsked(
    id="referrer", kind="single", text="Who is making this referral?", options=("Myself",)
)


def aside_then_question(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"recipient_id": body["sender"], "custom": InfoAsked("peer_support").to_payload()},
        {"recipient_id": body["sender"], "custom": QUESTION.to_payload()},
    ]


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with stub_rasa(aside_then_question) as stub:
        yield stub


@pytest.fixture
def settings(settings: Settings, rasa: StubRasa) -> Settings:
    return replace(settings, rasa_url=rasa.url)


def test_a_question_in_the_middle_of_a_referral_is_answered_then_the_question_comes_again(
    post_sms: SmsPoster,
) -> None:
    response = post_sms(sms_params("do you have peer support?", To=COVENTRY_NUMBER))
    said = [m.text or "" for m in ElementTree.fromstring(response.data).iter("Message")]
    text = "\n".join(said)
    assert "peer workers" in text
    assert "Who is making this referral?" in text
    assert text.index("peer workers") < text.index("Who is making this referral?")

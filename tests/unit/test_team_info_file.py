"""A team's `info:` is read and checked like the rest of its file; a question about the
service crosses from the bot to the gateway as a typed payload, and every question Rasa
recognises is handed over through a response made from that payload."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.contacts import load_crisis_contacts
from flows.protocol import INFO, INFO_TOPICS, InfoAsked, read_payload
from flows.rasa_responses import info_response, render_responses
from webhooks.config import PROJECT_ROOT
from webhooks.teams import TeamConfigError, load_teams

BOT = PROJECT_ROOT / "bot"
TEAM = """\
id: t
name: Test L&D
short_name: Test
numbers: ['+442079460100']
crisis_line: {name: NHS 111, number: '111'}
flows: [south_essex]
office: {phone: '024 7696 1214', address: 'Swanswell Point, CV1 4FS'}
hours:
  reception:
    windows: [{days: [mon], open: '09:00', close: '17:00'}]
"""


def team_with(tmp_path: Path, info: str) -> Path:
    (tmp_path / "t.yml").write_text(TEAM + info, encoding="utf-8")
    return tmp_path


def test_it_fills_the_office_phone_and_address_into_the_team_s_sentences(tmp_path: Path) -> None:
    info = "info:\n  support_how: phone {office_phone} or come to {office_address}\n"
    team = load_teams(team_with(tmp_path, info)).teams["t"]
    assert team.info.support_how == "phone 024 7696 1214 or come to Swanswell Point, CV1 4FS"


def test_a_team_without_info_knows_no_facts(tmp_path: Path) -> None:
    team = load_teams(team_with(tmp_path, "")).teams["t"]
    assert (team.info.about, team.info.peer_support, team.info.pathways) == (None, None, {})


def test_it_refuses_a_topic_it_does_not_know(tmp_path: Path) -> None:
    with pytest.raises(TeamConfigError, match="info has an unknown key 'parking'"):
        load_teams(team_with(tmp_path, "info:\n  parking: none\n"))


def test_it_refuses_a_name_for_a_pathway_the_hours_do_not_have(tmp_path: Path) -> None:
    with pytest.raises(TeamConfigError, match=r"info\.pathways\.custody is not one of"):
        load_teams(team_with(tmp_path, "info:\n  pathways: {custody: The custody team}\n"))


def test_it_refuses_a_placeholder_nothing_fills(tmp_path: Path) -> None:
    with pytest.raises(TeamConfigError, match=r"unknown placeholder \{office_email\}"):
        load_teams(team_with(tmp_path, "info:\n  about: write to {office_email}\n"))


def test_it_refuses_an_empty_fact(tmp_path: Path) -> None:
    with pytest.raises(TeamConfigError, match=r"info\.about: expected words"):
        load_teams(team_with(tmp_path, "info:\n  about: ''\n"))


def test_every_shipped_team_names_each_of_its_pathways() -> None:
    for team in load_teams(PROJECT_ROOT / "data" / "teams").teams.values():
        assert set(team.info.pathways) == set(team.hours.pathways), team.id


@pytest.mark.parametrize("topic", INFO_TOPICS)
def test_a_question_about_the_service_comes_back_as_it_was_sent(topic: str) -> None:
    sent = InfoAsked(topic)
    assert read_payload(sent.to_payload()) == sent
    assert sent.to_payload() == {INFO: {"topic": topic}}


@pytest.mark.parametrize("junk", [{INFO: {}}, {INFO: {"topic": ""}}, {INFO: {"topic": 3}}])
def test_a_payload_naming_no_topic_is_read_as_nothing(junk: dict[str, object]) -> None:
    assert read_payload(junk) is None


def test_each_topic_has_a_response_carrying_its_payload_and_no_words() -> None:
    contacts = load_crisis_contacts(PROJECT_ROOT / "data" / "crisis_contacts.yml")
    responses = yaml.safe_load(render_responses(contacts))["responses"]
    for topic in INFO_TOPICS:
        assert responses[info_response(topic)] == [{"custom": InfoAsked(topic).to_payload()}]


def test_every_question_about_the_service_goes_to_the_gateway_outside_a_referral() -> None:
    intents = [
        str(name)
        for name in yaml.safe_load((BOT / "domain" / "core.yml").read_text())["intents"]
        if str(name).startswith("faq_")
    ]
    rules = yaml.safe_load((BOT / "data" / "rules.yml").read_text())["rules"]
    answered = {
        rule["steps"][0]["intent"]: rule["steps"][1]["action"]
        for rule in rules
        if rule["steps"][0].get("intent") in intents
    }
    info_responses = {info_response(topic) for topic in INFO_TOPICS}
    assert set(answered) == set(intents)
    assert set(answered.values()) <= info_responses

"""Each team's own questions and consents, as its seed asks them, walked through the engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from flows import load_flows
from flows.engine import prompt, receive
from flows.model import REVIEW, Flow
from flows.record import referral_record
from flows.state import SKIP, Context, Step
from tests.support.engine_walk import walk_engine
from webhooks.config import PROJECT_ROOT
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=date(2026, 11, 24), now="2026-11-24T10:00:00+00:00")
TEAM_FILES = {
    "together_london": "together-london",
    "coventry_warwickshire": "coventry-warwickshire",
    "south_essex": "south-essex",
}
PRIVACY_NOTICE = "https://www.together-uk.org/privacy-notice/"
# An adult self-referral reaches the queue within 20 turns: hello, the essentials, "send".
MOST_ESSENTIALS = 17


def flow(flow_id: str) -> Flow:
    return load_flows()[flow_id]


def steps(flow_id: str, branch: str = "self", **changed: str) -> list[Step]:
    return list(walk_engine(flow(flow_id), dict(demo_answers(branch), **changed), CONTEXT))


def asked(walked: list[Step]) -> list[str]:
    return [step.ask for step in walked if step.ask is not None]


def essentials_asked(walked: list[Step]) -> list[str]:
    ids = asked(walked)
    return ids[: ids.index(REVIEW)]


def shown(flow_id: str, walked: list[Step], question_id: str) -> tuple[str, tuple[str, ...]]:
    [step] = [step for step in walked if step.ask == question_id]
    said = prompt(flow(flow_id), question_id, step.answers, step.state, CONTEXT)
    return said.text, said.options


def record(flow_id: str, walked: list[Step]) -> dict[str, Any]:
    final = walked[-1]
    return referral_record(flow(flow_id), final.answers, final.state, CONTEXT)


def team_file(flow_id: str) -> dict[str, Any]:
    path = PROJECT_ROOT / "data" / "teams" / f"{TEAM_FILES[flow_id]}.yml"
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("flow_id", sorted(TEAM_FILES))
def test_an_adult_self_referral_sends_within_17_essential_questions(flow_id: str) -> None:
    assert len(essentials_asked(steps(flow_id))) <= MOST_ESSENTIALS


@pytest.mark.parametrize("flow_id", sorted(TEAM_FILES))
def test_the_consents_asked_are_exactly_the_team_files(flow_id: str) -> None:
    recipients = [consent["recipient"] for consent in team_file(flow_id)["consents"]]
    given = record(flow_id, steps(flow_id))["consents"]
    assert sorted(consent["recipient"] for consent in given) == sorted(recipients)


def test_together_asks_no_police_courts_or_probation_consent() -> None:
    consents = {q.consent_for for q in flow("together_london").questions if q.consent_for}
    assert consents == {"ld_team", "court_or_police_station"}


@pytest.mark.parametrize("branch", ["self", "professional"])
def test_together_shows_its_privacy_notice_in_the_consent_question(branch: str) -> None:
    text, _ = shown("together_london", steps("together_london", branch), "consent_ld_team")
    assert PRIVACY_NOTICE in text
    assert "health or social care services" in text
    assert "not be shared with any other third parties" in text


@pytest.mark.parametrize("branch", ["self", "professional"])
def test_together_asks_which_part_of_the_service_for_self_and_professional(branch: str) -> None:
    walked = steps("together_london", branch)
    _, options = shown("together_london", walked, "service_part")
    assert options[:3] == (
        "Community Link Workers",
        "Peer Support",
        "Dedicated provision for women",
    )
    assert "service_part" not in essentials_asked(walked)


def test_contacting_a_recent_court_or_police_station_is_stored_as_a_consent() -> None:
    consents = record("together_london", steps("together_london"))["consents"]
    [justice] = [c for c in consents if c["recipient"] == "court_or_police_station"]
    assert justice == {"recipient": "court_or_police_station", "given": True, "at": CONTEXT.now}


def test_a_professional_is_told_a_supported_self_referral_may_be_better_before_sending() -> None:
    walked = steps("together_london", "professional")
    text, _ = shown("together_london", walked, "documents_held")
    assert "self-referral with support from you" in text and "significant delay" in text
    assert "documents_held" in essentials_asked(walked)
    assert "documents" not in asked(walked)  # they hold none to send


def test_email_is_asked_when_email_is_not_a_way_to_avoid() -> None:
    assert "email" in asked(steps("together_london"))
    avoided = steps("together_london", contact_avoid="email")
    assert "email" not in asked(avoided)


def test_a_coventry_walk_from_custody_asks_which_suite() -> None:
    walked = steps("coventry_warwickshire")
    _, options = shown("coventry_warwickshire", walked, "coventry_site")
    assert options[:5] == (
        "Coventry custody suite",
        "Leamington custody suite",
        "Nuneaton custody suite",
        "Coventry Magistrates' Court",
        "Leamington Magistrates' Court",
    )
    assert "coventry_site" in essentials_asked(walked)


def test_a_coventry_voluntary_attendee_is_told_to_phone_first_or_attend_on_the_day() -> None:
    walked = steps("coventry_warwickshire", justice_status="voluntary")
    text, _ = shown("coventry_warwickshire", walked, "voluntary_call_before")
    assert "024 7696 1214" in text and "Swanswell Point" in text and "on the day" in text
    assert "voluntary_call_before" in essentials_asked(walked)
    assert len(essentials_asked(walked)) <= MOST_ESSENTIALS


def test_only_coventry_asks_about_voluntary_interviews_this_way() -> None:
    walked = steps("south_essex", justice_status="voluntary")
    assert "voluntary_call_before" not in asked(walked)


def test_a_south_essex_walk_offers_prison_release_and_asks_which_station() -> None:
    walked = steps("south_essex")
    _, options = shown("south_essex", walked, "justice_status")
    assert "In prison and due for release" in options
    _, sites = shown("south_essex", walked, "south_essex_site")
    assert sites[:5] == (
        "Southend police station",
        "Basildon police station",
        "Grays police station",
        "Southend Magistrates' Court",
        "Basildon Magistrates' Court",
    )


def test_someone_due_for_release_from_prison_is_not_asked_for_a_station() -> None:
    walked = steps("south_essex", justice_status="in prison and due for release")
    assert walked[-1].answers["justice_status"] == "prison_release"
    assert "south_essex_site" not in asked(walked)


@pytest.mark.parametrize("flow_id", ["together_london", "coventry_warwickshire"])
def test_other_teams_do_not_offer_prison_release(flow_id: str) -> None:
    assert flow(flow_id).question("justice_status").option("prison_release") is None


def test_south_essex_asks_the_vulnerabilities_and_referral_on_needs_its_seed_lists() -> None:
    se = flow("south_essex")
    needs = {option.value for option in se.question("needs").options}
    assert {"cognitive", "gp", "therapy", "education_work"} <= needs
    assert se.question("adjustments").option("speech_language") is not None
    assert flow("coventry_warwickshire").question("needs").option("gp") is None


@pytest.mark.parametrize(
    ("flow_id", "asks"),
    [("together_london", True), ("south_essex", True), ("coventry_warwickshire", False)],
)
def test_gender_is_asked_optionally_where_the_service_depends_on_it(
    flow_id: str, asks: bool
) -> None:
    assert flow(flow_id).has("gender") is asks
    if asks:
        gender = flow(flow_id).question("gender")
        assert gender.optional and not gender.essential


@pytest.mark.parametrize("avoided", ["no phone", "phone call and text message"])
def test_with_no_phone_to_use_the_referral_says_how_to_reach_the_person(avoided: str) -> None:
    walked = steps("coventry_warwickshire", contact_avoid=avoided)
    essentials = essentials_asked(walked)
    assert "contact_number" not in essentials
    assert "contact_route" in essentials
    stored = {
        a["question_id"]: a["value"] for a in record("coventry_warwickshire", walked)["answers"]
    }
    assert stored["contact_route"] == "I am in police custody now, at Leamington"


def test_a_phone_number_cannot_be_skipped_when_the_team_can_phone() -> None:
    f = flow("south_essex")
    walking = walk_engine(f, demo_answers("self"), CONTEXT)
    step = next(step for step in walking if step.ask == "contact_number")
    again = receive(f, step.answers, step.state, "contact_number", "", SKIP, CONTEXT)
    assert again.ask == "contact_number"
    assert "choose that instead" in again.say[0]

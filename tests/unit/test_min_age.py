"""A team's minimum age is written once, in its team file: the flow's age wording and its
date-of-birth ending are made from it, and a flow that disagrees does not load."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from flows import FlowError, load_flows
from flows.contacts import load_crisis_contacts
from flows.eligibility import EligibilityError, min_ages
from flows.engine import receive
from flows.model import REVIEW, Flow
from flows.state import COMPLETE, INELIGIBLE, Context, Step
from tests.support.engine_walk import walk_engine
from webhooks.config import PROJECT_ROOT
from webhooks.dev.scripted import SKIP, demo_answers

TODAY = date(2026, 11, 24)
CONTEXT = Context(today=TODAY, now="2026-11-24T10:00:00+00:00")
DATA = PROJECT_ROOT / "data"
CHILDLINE = load_crisis_contacts(DATA / "crisis_contacts.yml").placeholders()["childline"]
# Under 18: the youth questions are asked too (all may be skipped).
YOUTH = {"guardian_name": SKIP, "guardian_phone": SKIP, "youth_offending_team": SKIP}


def team_file(data: Path, team_id: str) -> dict[str, object]:
    raw: dict[str, object] = yaml.safe_load((data / "teams" / f"{team_id}.yml").read_text())
    return raw


def set_eligibility(data: Path, team_id: str, **eligibility: object) -> None:
    raw = team_file(data, team_id)
    raw["eligibility"] = eligibility
    (data / "teams" / f"{team_id}.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of data/ to change."""
    copied = tmp_path / "data"
    shutil.copytree(DATA, copied, ignore=shutil.ignore_patterns("risk", "lexicons", "demo"))
    return copied


def walked(flow: Flow, born: str, branch: str = "self", **answers: str) -> list[Step]:
    return list(
        walk_engine(
            flow, {**demo_answers(branch), **YOUTH, "date_of_birth": born, **answers}, CONTEXT
        )
    )


def test_south_essex_takes_its_age_from_its_team_file() -> None:
    assert team_file(DATA, "south-essex")["eligibility"]["min_age"] == 10  # type: ignore[index]
    assert min_ages(DATA / "teams") == {
        "south_essex": 10,
        "coventry_warwickshire": None,
        "together_london": None,
    }
    question = load_flows()["south_essex"].question("aged_10_or_over")
    assert question.ask.plain == "Are you aged 10 or over?"
    assert question.label == "Aged 10 or over"


def test_a_date_of_birth_under_10_in_south_essex_ends_kindly_with_where_to_get_help() -> None:
    flow = load_flows()["south_essex"]
    steps = walked(flow, "03/04/2018")
    ended = steps[-1]
    assert (ended.state.outcome, ended.state.ended_at_question) == (INELIGIBLE, "date_of_birth")
    assert ended.ask is None
    [said] = ended.say
    assert "aged 10 and over" in said and "children's social care" in said
    assert CHILDLINE in said and "call 999" in said
    assert "full_name" in ended.answers  # asked before; the gateway keeps none of it


def test_someone_referring_a_child_under_10_is_told_where_to_go() -> None:
    flow = load_flows()["south_essex"]
    [said] = walked(flow, "03/04/2018", branch="professional")[-1].say
    assert "Please contact the local children's social care team" in said and CHILDLINE in said


@pytest.mark.parametrize(
    ("born", "outcome"),
    [
        ("24/11/2016", COMPLETE),  # 10 today
        ("25/11/2016", INELIGIBLE),  # 10 tomorrow
        ("03/04/1991", COMPLETE),
    ],
)
def test_south_essex_takes_a_referral_from_the_day_the_person_turns_10(
    born: str, outcome: str
) -> None:
    assert walked(load_flows()["south_essex"], born)[-1].state.outcome == outcome


@pytest.mark.parametrize("flow_id", ["coventry_warwickshire", "together_london"])
def test_teams_with_no_minimum_age_take_a_young_persons_referral(flow_id: str) -> None:
    steps = walked(load_flows()[flow_id], "03/04/2018")
    assert steps[-1].state.outcome == COMPLETE
    assert steps[-1].answers["date_of_birth"] == "2018-04-03"


def test_a_date_of_birth_in_the_future_is_refused_as_before() -> None:
    flow = load_flows()["south_essex"]
    at = next(step for step in walked(flow, "03/04/1991") if step.ask == "date_of_birth")
    step = receive(flow, at.answers, at.state, "date_of_birth", "03/04/2027", None, CONTEXT)
    assert (step.ask, step.state.outcome) == ("date_of_birth", "")
    assert step.answers.get("date_of_birth") is None


def test_a_date_of_birth_corrected_in_the_read_back_is_checked_too() -> None:
    flow = load_flows()["south_essex"]
    review = next(step for step in walked(flow, "03/04/1991") if step.ask == REVIEW)
    choosing = receive(flow, review.answers, review.state, REVIEW, "change", None, CONTEXT)
    picked = receive(flow, choosing.answers, choosing.state, REVIEW, "Date of birth", None, CONTEXT)
    assert picked.ask == "date_of_birth"
    ended = receive(flow, picked.answers, picked.state, "date_of_birth", "3/4/2018", None, CONTEXT)
    assert ended.state.outcome == INELIGIBLE and CHILDLINE in ended.say[0]


def test_a_changed_minimum_age_changes_the_wording_and_the_ending(data: Path) -> None:
    set_eligibility(data, "south-essex", min_age=12, area="Southend, Basildon and Thurrock")
    flow = load_flows(data_dir=data)["south_essex"]
    assert flow.question("aged_10_or_over").ask.plain == "Are you aged 12 or over?"
    born_11_years_ago = "24/11/2015"
    ended = walked(flow, born_11_years_ago)[-1]
    assert ended.state.outcome == INELIGIBLE and "aged 12 and over" in ended.say[0]


def test_a_team_without_the_minimum_age_its_flow_ends_on_does_not_load(data: Path) -> None:
    set_eligibility(data, "south-essex", area="Southend, Basildon and Thurrock")
    with pytest.raises(FlowError, match=r"eligibility_south_essex\.yml.*unknown placeholder"):
        load_flows(data_dir=data)


def test_a_minimum_age_its_flow_never_checks_does_not_load(data: Path) -> None:
    set_eligibility(data, "coventry-warwickshire", min_age=10)
    with pytest.raises(FlowError, match=r"coventry_warwickshire\.yml: .*min_age 10, but it ends"):
        load_flows(data_dir=data)


@pytest.mark.parametrize(
    ("eligibility", "complaint"),
    [
        ({"min_age": "ten"}, "eligibility.min_age must be a whole number"),
        ({"min_age": 0}, "eligibility.min_age must be from 1"),
        ({"min_age": 10, "all_ages": True}, "eligibility has both all_ages and min_age"),
    ],
)
def test_a_malformed_minimum_age_is_refused_naming_the_file(
    data: Path, eligibility: dict[str, object], complaint: str
) -> None:
    set_eligibility(data, "south-essex", **eligibility)
    with pytest.raises(EligibilityError, match=rf"^south-essex\.yml: {complaint}"):
        load_flows(data_dir=data)


def test_two_teams_sharing_a_flow_must_share_its_age(data: Path) -> None:
    raw = team_file(data, "together-london")
    raw["flows"] = ["south_essex"]
    (data / "teams" / "together-london.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(EligibilityError, match="a flow has one age rule"):
        load_flows(data_dir=data)

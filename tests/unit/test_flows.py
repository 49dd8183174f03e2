"""Flow files: checked at load, and the Rasa domain generated from them never drifts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from flows import FlowError, load_flow, load_flows
from flows.loader import load_sections
from flows.model import CARRY_ON as CARRY_ON_SLOT
from flows.model import REVIEW
from flows.rasa_domain import GENERATED_DOMAIN, build_domain, render_domain
from webhooks.config import PROJECT_ROOT
from webhooks.dev.scripted import CARRY_ON
from webhooks.teams import load_teams
from webhooks.wording import Wording

VALID = """
id: demo
version: 1
title: Demo
questions:
  - id: consent
    kind: yes_no
    label: Consent
    ask:
      self: Do you agree?
      other: Does the person agree?
    retry: Please answer yes or no.
  - id: detail
    kind: text
    label: Detail
    when: {answer: consent, is: true}
    ask: Tell me more.
    retry: Please write a few words.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_a_valid_flow(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, VALID))
    consent = flow.question("consent")
    assert [option.label for option in consent.options] == ["Yes", "No"]
    assert consent.ask.pick("other", easy=False, voice=False) == "Does the person agree?"
    assert flow.question("detail").when is not None


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("kind: yes_no", "kind: essay"), "kind 'essay'"),
        (("ask: Tell me more.", "asks: Tell me more."), r"unknown key\(s\) asks"),
        (("id: consent", "id: Consent"), "lower_snake_case"),
        (("version: 1", "version: 0"), "version"),
        (("answer: consent, is: true", "answer: later, is: true"), "not asked before it"),
        (("is: true}", "is: true, includes: x}"), "exactly one"),
        (("      self: Do you agree?\n", ""), r"missing key\(s\) self"),
        (("kind: text", "kind: single"), "at least two options"),
    ],
)
def test_it_names_the_problem_in_a_broken_flow(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    with pytest.raises(FlowError, match=complaint):
        load_flow(write(tmp_path, VALID.replace(*change)))


def test_an_ending_needs_its_words(tmp_path: Path) -> None:
    broken = VALID.replace(
        "    retry: Please answer yes or no.\n", "    retry: x\n    ends_when: {is: false}\n", 1
    )
    with pytest.raises(FlowError, match="ends_when and ends_say go together"):
        load_flow(write(tmp_path, broken))


def test_a_score_needs_every_option_scored(tmp_path: Path) -> None:
    scored = VALID + "scores:\n  - {id: total, label: Total, items: [consent]}\n"
    with pytest.raises(FlowError, match="needs a score"):
        load_flow(write(tmp_path, scored))


def test_every_shipped_flow_loads_and_each_team_names_one() -> None:
    flows = load_flows()
    teams = load_teams(PROJECT_ROOT / "data" / "teams")
    assert sorted(flows) == ["coventry_warwickshire", "south_essex", "together_london"]
    for team in teams.teams.values():
        assert team.flows[0] in flows


def test_every_section_file_is_used_by_some_flow() -> None:
    used = {section for flow in load_flows().values() for section in flow.sections}
    assert set(load_sections()) == used


@pytest.mark.parametrize(
    "field",
    [
        "referrer",
        "full_name",
        "date_of_birth",
        "ethnicity_group",
        "contact_number",
        "postcode",
        "contact_avoid",
        "recent_contact",
        "consent_contact_justice",
        "links",
        "link_gp_details",
        "link_probation_details",
        "link_mappa_details",
        "link_drug_alcohol_details",
        "link_mental_health_team_details",
        "link_keyworker_details",
        "link_safeguarding_details",
        "link_other_details",
        "substance_use",
        "substance_type",
        "substance_amount",
        "substance_frequency",
        "substance_injected",
        "offending_history",
        "priority_reasons",
        "risk_to_self",
        "risk_to_others",
        "risk_from_others",
        "further_risks",
        "safeguarding_referral",
        "contact_place",
        "alleged_offence",
        "justice_status",
        "next_date",
        "solicitor_details",
        "appropriate_adult",
        "suggested_by",
        "consent_ld_team",
        "language",
        "interpreter",
        "adjustments",
        "best_time",
        "needs",
        "urgency",
    ],
)
def test_every_team_asks_every_field_of_the_referral_form(field: str) -> None:
    for flow in load_flows().values():
        assert flow.has(field), f"{flow.id} does not ask {field}"


def test_only_teams_serving_children_have_the_youth_path() -> None:
    flows = load_flows()
    assert not flows["together_london"].has("guardian_name")
    assert flows["coventry_warwickshire"].has("guardian_name")
    assert flows["south_essex"].has("guardian_name")


def test_the_ethnicity_groups_are_the_2021_census_ones() -> None:
    flow = load_flows()["together_london"]
    groups = [o.value for o in flow.question("ethnicity_group").options]
    assert groups == ["asian", "black", "mixed", "white", "other", "prefer_not_to_say"]
    detailed = sum(len(flow.question(f"ethnicity_{group}").options) for group in groups[:-1])
    assert detailed == 19


def test_the_committed_rasa_domain_matches_the_flows() -> None:
    assert GENERATED_DOMAIN.read_text(encoding="utf-8") == render_domain(load_flows()), (
        "bot/domain/flows.yml has drifted: run `make domain`"
    )


def test_a_changed_flow_makes_the_domain_drift(tmp_path: Path) -> None:
    flows = load_flows()
    extra = load_flow(write(tmp_path, VALID))
    assert render_domain({**flows, "demo": extra}) != GENERATED_DOMAIN.read_text(encoding="utf-8")


def test_each_question_is_a_slot_filled_only_while_it_is_asked() -> None:
    domain = build_domain(load_flows())
    mapping = domain["slots"]["date_of_birth"]["mappings"][0]
    assert mapping == {
        "type": "from_text",
        "conditions": [{"active_loop": "referral_form", "requested_slot": "date_of_birth"}],
    }
    assert domain["forms"]["referral_form"]["required_slots"][-2:] == [REVIEW, CARRY_ON_SLOT]
    assert "action_ask_date_of_birth" in domain["actions"]
    assert "action_ask_review" in domain["actions"]


def test_the_generated_domain_is_valid_yaml_with_every_control_intent() -> None:
    domain = yaml.safe_load(GENERATED_DOMAIN.read_text(encoding="utf-8"))
    assert {"control_stop", "control_skip", "control_back", "control_why"} <= set(domain["intents"])


def test_no_two_questions_in_a_flow_share_a_wording() -> None:
    for flow in load_flows().values():
        seen: dict[str, str] = {}
        for question in flow.questions:
            for wording in question.ask.all():
                assert seen.setdefault(wording, question.id) == question.id, (
                    f"{flow.id}: {question.id} and {seen[wording]} both ask {wording!r}"
                )


def test_a_yaml_slip_is_reported_with_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match=r"demo\.yml: not valid YAML"):
        load_flow(write(tmp_path, VALID.replace("ask: Tell me more.", "ask: Tell: me: more")))


def test_the_scripted_person_knows_the_carry_on_wording() -> None:
    wording = Wording.load(PROJECT_ROOT / "data" / "messages.yml")
    assert wording.say("carry_on", question="Q?") == CARRY_ON + "Q?"


def test_no_spoken_question_tells_the_caller_how_to_answer_its_choices() -> None:
    """On a call the choices are added to a question's words ("say yes or press 1, say no
    or press 2"): a question whose own words also say how to answer says it twice."""
    how_to_answer = re.compile(r"\b(say|answer) (yes|no)\b|\bpress \d", re.IGNORECASE)
    doubled = [
        f"{flow.id}.{question.id}: {text}"
        for flow in load_flows().values()
        for question in flow.questions
        if question.kind in ("yes_no", "single", "multi")
        for text in question.ask.all()
        if how_to_answer.search(text)
    ]
    assert doubled == []

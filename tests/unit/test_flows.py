"""Flow files: checked at load, and the Rasa domain generated from them never drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import FlowError, load_flow, load_flows
from flows.rasa_domain import GENERATED_DOMAIN, build_domain, render_domain

VALID = """
id: demo
version: 1
title: Demo
questions:
  - id: consent
    kind: yes_no
    label: Consent
    ask: Do you agree?
    retry: Please answer yes or no.
    options:
      - {value: "yes", label: "Yes"}
      - {value: "no", label: "No"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_a_valid_flow(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, VALID))
    assert flow.form_name == "demo_form"
    assert flow.question("consent").options[0].label == "Yes"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("kind: yes_no", "kind: essay"), "kind 'essay'"),
        (("ask: Do you agree?", "asks: Do you agree?"), r"unknown key\(s\) asks"),
        (("id: consent", "id: Consent"), "lower_snake_case"),
        (("version: 1", "version: 0"), "version"),
        (('{value: "no", label: "No"}', '{value: "maybe", label: "Maybe"}'), "yes then no"),
    ],
)
def test_it_names_the_problem_in_a_broken_flow(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    with pytest.raises(FlowError, match=complaint):
        load_flow(write(tmp_path, VALID.replace(*change)))


def test_every_shipped_flow_loads() -> None:
    flows = load_flows()
    assert "self_referral" in flows
    assert flows["self_referral"].question_ids == [
        "full_name",
        "date_of_birth",
        "contact_number",
        "consent_share",
    ]


def test_the_committed_rasa_domain_matches_the_flows() -> None:
    assert GENERATED_DOMAIN.read_text(encoding="utf-8") == render_domain(load_flows()), (
        "bot/domain/flows.yml has drifted: run `make domain`"
    )


def test_each_question_becomes_a_form_slot_filled_only_while_it_is_asked() -> None:
    domain = build_domain(load_flows())
    mapping = domain["slots"]["date_of_birth"]["mappings"][0]
    assert mapping["type"] == "from_text"
    assert mapping["conditions"] == [
        {"active_loop": "self_referral_form", "requested_slot": "date_of_birth"}
    ]
    assert mapping["not_intent"] == ["control_stop"]
    assert domain["responses"]["utter_ask_consent_share"][0]["buttons"] == [
        {"title": "Yes", "payload": "Yes"},
        {"title": "No", "payload": "No"},
    ]

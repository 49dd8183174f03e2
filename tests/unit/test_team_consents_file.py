"""A team's consents are written once, in its team file: the flow asks exactly those, in
the team's words, and a team file that breaks the rules stops the flows loading."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows import FlowError, load_flows
from webhooks.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of data/ to change."""
    copied = tmp_path / "data"
    shutil.copytree(DATA, copied, ignore=shutil.ignore_patterns("risk", "lexicons", "demo"))
    return copied


def edit(data: Path, team_id: str, change: Any) -> None:
    path = data / "teams" / f"{team_id}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")


def test_a_consent_added_to_a_team_file_is_asked_in_its_words(data: Path) -> None:
    housing = {
        "recipient": "housing",
        "label": "Consent to share with housing services",
        "ask": {"self": "Can the team talk to your housing officer?"},
        "retry": "Please answer yes or no.",
        "why": "Housing can help.",
    }
    edit(data, "together-london", lambda raw: raw["consents"].append(housing))
    question = load_flows(data_dir=data)["together_london"].question("consent_housing")
    assert question.consent_for == "housing"
    assert question.ask.plain.startswith("Can the team talk to your housing officer?")
    assert not question.essential


def test_a_consent_removed_from_a_team_file_is_no_longer_asked(data: Path) -> None:
    edit(data, "south-essex", lambda raw: raw["consents"].pop())  # probation
    assert not load_flows(data_dir=data)["south_essex"].has("consent_probation")


def test_the_required_consent_is_essential_and_ends_kindly_when_refused() -> None:
    question = load_flows()["south_essex"].question("consent_ld_team")
    assert question.essential and question.readback
    assert question.ends_as == "declined" and question.ends_say is not None


def test_a_team_file_needs_exactly_one_required_consent(data: Path) -> None:
    edit(data, "south-essex", lambda raw: raw["consents"][0].pop("required"))
    with pytest.raises(FlowError, match="exactly one consent must be required"):
        load_flows(data_dir=data)


def test_a_privacy_notice_the_consent_does_not_show_stops_the_flows(data: Path) -> None:
    def unlinked(raw: dict[str, Any]) -> None:
        raw["consents"][0]["ask"]["self"] = "Do you agree?"

    edit(data, "together-london", unlinked)
    with pytest.raises(FlowError, match="must show the privacy notice"):
        load_flows(data_dir=data)


def test_a_consent_asked_in_a_section_that_never_asks_it_stops_the_flows(data: Path) -> None:
    edit(data, "coventry-warwickshire", lambda raw: raw["consents"][2].update(asked_in="links"))
    with pytest.raises(FlowError, match="its team file"):
        load_flows(data_dir=data)


def test_an_unknown_key_in_a_consent_is_named(data: Path) -> None:
    edit(data, "south-essex", lambda raw: raw["consents"][0].update(wording="x"))
    with pytest.raises(
        FlowError, match=r"south-essex\.yml: consents\[0\]: unknown key\(s\) wording"
    ):
        load_flows(data_dir=data)


def test_a_consent_written_in_a_section_is_refused_even_for_a_recipient_the_file_has(
    tmp_path: Path,
) -> None:
    sections = tmp_path / "sections"
    shutil.copytree(PROJECT_ROOT / "flows" / "sections", sections)
    path = sections / "risk.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["questions"].append(
        {
            "id": "consent_team_again",
            "kind": "yes_no",
            "label": "Consent, in other words",
            "ask": "Can we tell anyone we like?",
            "retry": "Yes or no.",
            "consent_for": "ld_team",
        }
    )
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(FlowError, match="consent_team_again asks a consent the team file"):
        load_flows(sections_dir=sections)

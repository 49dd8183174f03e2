"""The crisis contacts file is checked at load, and no wording can name a contact (or
anything else) that nothing fills: a typo stops start-up instead of reaching a person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from flows import FlowError, load_flows
from flows.contacts import ContactsError, load_crisis_contacts
from flows.rasa_responses import GENERATED_RESPONSES, TEMPLATE, render_responses
from webhooks.config import PROJECT_ROOT
from webhooks.wording import Wording

DATA = PROJECT_ROOT / "data"
CONTACTS = DATA / "crisis_contacts.yml"
SECTIONS = PROJECT_ROOT / "flows" / "sections"


def written(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "crisis_contacts.yml"
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")
    return path


def contacts_with(tmp_path: Path, contact_id: str, **changes: object) -> Path:
    """The real file, with one contact's keys changed (None: the key taken out)."""
    entries = yaml.safe_load(CONTACTS.read_text(encoding="utf-8"))
    for entry in entries:
        if entry["id"] == contact_id:
            entry.update(changes)
            for key in [key for key, value in changes.items() if value is None]:
                del entry[key]
    return written(tmp_path, entries)


def test_the_national_contacts_load_with_their_numbers_as_written() -> None:
    contacts = load_crisis_contacts(CONTACTS)
    values = contacts.placeholders()
    assert values["samaritans"] == "116 123"
    assert (values["shout"], values["shout_keyword"]) == ("85258", "SHOUT")
    assert (values["nhs111"], values["nhs111_option"]) == ("111", "2")
    helpline = contacts.get("domestic_abuse")
    assert helpline is not None and helpline.e164 == "+448082000247" and helpline.dialable
    emergency = contacts.get("emergency")
    assert emergency is not None and emergency.e164 is None and not emergency.dialable


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"number": None}, r"\[2\]: missing number"),
        ({"number": "116 12"}, r"\[2\] \(samaritans\)\.number: '116 12' is not a valid UK number"),
        ({"number": "0800 111"}, r"\[2\] \(samaritans\)\.number: '0800 111' is not a valid"),
        (
            {"number": "116-123"},
            r"\[2\] \(samaritans\)\.number: '116-123' must be digits in groups",
        ),
        ({"number": 116123}, r"\[2\] \(samaritans\)\.number: write the number in quotes"),
        ({"id": "nhs111"}, r"\[2\] id 'nhs111' is used twice"),
        ({"id": "Samaritans"}, r"\[2\]\.id: 'Samaritans' must be lower_snake_case"),
        ({"phone": "116 123"}, r"\[2\]: unknown key\(s\) phone"),
        ({"by": "post"}, r"\[2\] \(samaritans\)\.by: one of call, text"),
    ],
)
def test_a_malformed_contact_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, change: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ContactsError, match=r"^crisis_contacts\.yml: " + complaint):
        load_crisis_contacts(contacts_with(tmp_path, "samaritans", **change))


def test_a_contact_to_text_needs_its_keyword(tmp_path: Path) -> None:
    with pytest.raises(ContactsError, match=r"\(shout\)\.keyword"):
        load_crisis_contacts(contacts_with(tmp_path, "shout", keyword=None))


def test_a_malformed_contacts_file_stops_the_gateway_and_the_flows_loading(tmp_path: Path) -> None:
    # What create_app and the action server load at start.
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("risk", "lexicons", "demo"))
    contacts_with(data, "childline", number="0800 11")
    with pytest.raises(ContactsError, match=r"crisis_contacts\.yml: .*\(childline\)\.number"):
        Wording.load(data / "messages.yml")
    with pytest.raises(ContactsError, match=r"crisis_contacts\.yml: .*\(childline\)\.number"):
        load_flows(data_dir=data)


def test_an_unknown_placeholder_in_a_gateway_message_stops_loading(tmp_path: Path) -> None:
    messages = tmp_path / "messages.yml"
    text = (DATA / "messages.yml").read_text(encoding="utf-8")
    assert "free on {samaritans}, day or night, text" in text
    messages.write_text(text.replace("{samaritans}, day", "{samaritns}, day", 1), "utf-8")
    shutil.copy(CONTACTS, tmp_path / "crisis_contacts.yml")
    with pytest.raises(ValueError, match=r"messages\.yml: crisis_self: unknown placeholder"):
        Wording.load(messages)


def test_an_unknown_placeholder_in_a_flow_text_stops_loading(tmp_path: Path) -> None:
    sections = tmp_path / "sections"
    shutil.copytree(SECTIONS, sections)
    london = sections / "eligibility_london.yml"
    text = london.read_text(encoding="utf-8")
    london.write_text(text.replace("{samaritans}", "{samaritns}", 1), encoding="utf-8")
    with pytest.raises(
        FlowError,
        match=r"eligibility_london\.yml: questions\[0\]\.ends_say\.self: unknown placeholder "
        r"\{samaritns\}",
    ):
        load_flows(sections_dir=sections)


def test_an_unknown_placeholder_in_a_rasa_response_stops_the_generation(tmp_path: Path) -> None:
    template = tmp_path / "responses.yml"
    text = TEMPLATE.read_text(encoding="utf-8")
    template.write_text(text.replace("{samaritans}", "{samaritns}"), encoding="utf-8")
    with pytest.raises(FlowError, match=r"responses\.yml: utter_stopped: unknown placeholder"):
        render_responses(load_crisis_contacts(CONTACTS), template)


def test_a_slot_rasa_fills_is_left_for_rasa() -> None:
    rendered = render_responses(load_crisis_contacts(CONTACTS))
    assert "Hello, this is the {team_name} service" in rendered
    assert "{samaritans}" not in rendered and "116 123" in rendered


def test_the_committed_rasa_responses_match_their_sources() -> None:
    assert GENERATED_RESPONSES.read_text(encoding="utf-8") == render_responses(
        load_crisis_contacts(CONTACTS)
    ), "bot/domain/responses.yml has drifted: run `make domain`"


def test_no_wording_writes_a_national_number_itself() -> None:
    """Each number is in the contacts file alone: the wording names it by id."""
    numbers = [
        value
        for key, value in load_crisis_contacts(CONTACTS).placeholders().items()
        if not key.endswith(("_keyword", "_option"))
    ]
    written_in = [DATA / "messages.yml", TEMPLATE, *sorted(SECTIONS.glob("*.yml"))]
    for path in written_in:
        texts = _texts(yaml.safe_load(path.read_text(encoding="utf-8")))
        for number in numbers:
            assert not [t for t in texts if _names_number(t, number)], (path.name, number)


def _texts(raw: object) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, dict):
        return [text for value in raw.values() for text in _texts(value)]
    if isinstance(raw, list):
        return [text for item in raw for text in _texts(item)]
    return []


def _names_number(text: str, number: str) -> bool:
    # "999" as a number, not inside another; "111" after NHS, not in "0800 1111".
    words = " ".join(text.split())
    return any(
        words[at - 1 : at] in ("", " ")
        and not words[at + len(number) : at + len(number) + 1].isdigit()
        for at in _starts(words, number)
    )


def _starts(text: str, part: str) -> list[int]:
    found, at = [], text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found

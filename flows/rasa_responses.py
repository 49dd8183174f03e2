"""Generate Rasa's own responses (`bot/domain/responses.yml`) from `bot/responses.yml`,
with the crisis contacts filled in from `data/crisis_contacts.yml`.

Rasa reads its domain as static YAML, so the numbers are written into the generated file;
`python -m flows.rasa_domain --check` (and the test suite) fails when it has drifted from
either source. A `{name}` that is neither a contact nor a slot Rasa fills as it speaks
stops the generation, naming the response. One response per topic of `InfoAsked` is
added (`utter_info_hours`...): a custom payload the gateway answers from the team's file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from flows.contacts import CrisisContacts
from flows.errors import FlowError
from flows.placeholders import PlaceholderError, fill
from flows.protocol import INFO_TOPICS, InfoAsked

BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
TEMPLATE = BOT_DIR / "responses.yml"
GENERATED_RESPONSES = BOT_DIR / "domain" / "responses.yml"
# Where the slots Rasa fills in a response ({team_name}) are declared.
CORE_DOMAIN = BOT_DIR / "domain" / "core.yml"
HEADER = (
    "# Generated from bot/responses.yml and data/crisis_contacts.yml by"
    " `python -m flows.rasa_domain`. Do not edit.\n"
)


def render_responses(
    contacts: CrisisContacts, template: Path = TEMPLATE, core: Path = CORE_DOMAIN
) -> str:
    """The generated responses file's exact text."""
    raw = _read(template)
    responses = raw.get("responses")
    if not isinstance(responses, dict) or not responses:
        raise FlowError(f"{template.name}: expected responses, by name")
    slots = _slots(core)
    values = contacts.placeholders()
    filled = {
        str(name): [
            _variant(variant, values, slots, f"{template.name}: {name}") for variant in kept
        ]
        for name, kept in responses.items()
    }
    for topic in INFO_TOPICS:
        name = info_response(topic)
        if name in filled:
            raise FlowError(f"{template.name}: {name} is made from flows.protocol, not written")
        filled[name] = [{"custom": InfoAsked(topic).to_payload()}]
    body = yaml.safe_dump(
        {"version": "3.1", "responses": filled}, sort_keys=False, allow_unicode=True, width=100
    )
    return HEADER + body


def info_response(topic: str) -> str:
    """The response that hands a question about the service to the gateway: no words of
    its own, only the topic, which the gateway answers from the team's file (its hours,
    office, crisis line), so the answer is the team's and never a fixed text."""
    return f"utter_info_{topic}"


def _variant(
    variant: Any, values: Mapping[str, str], slots: set[str], where: str
) -> dict[str, Any]:
    if not isinstance(variant, dict) or not isinstance(variant.get("text"), str):
        raise FlowError(f"{where}: each variant needs a text")
    try:
        text = fill(" ".join(variant["text"].split()), values, where, later=slots)
    except PlaceholderError as error:
        raise FlowError(
            f"{error}: not a crisis contact nor a slot of {CORE_DOMAIN.name}"
        ) from error
    return {**variant, "text": text}


def _slots(core: Path) -> set[str]:
    slots = _read(core).get("slots") or {}
    return {str(name) for name in slots}


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise FlowError(f"{path.name}: expected a mapping at the top level")
    return raw

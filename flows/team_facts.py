"""What a team's file tells its flow besides the age rule: the consents it asks, in its own
words, and the office facts its wording names (`{office_phone}`, `{privacy_notice}`).

A team's file is the one place these are written: which recipients a team asks about is
its own business (Together asks one consent, worded as its form words it; others ask
per recipient), so the flow's consent questions are made from it, never written twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from flows.errors import FlowError

# Where a consent is asked when its entry does not say: the consent section.
DEFAULT_SECTION = "consent"
_CONSENT_KEYS = {"recipient", "id", "label", "ask", "retry", "why", "required", "asked_in", "when"}


class TeamFactsError(FlowError):
    """A team's consents or office facts are malformed; the message names file and key."""


@dataclass(frozen=True)
class TeamConsent:
    """One recipient a team asks agreement for, with its question as the file writes it."""

    recipient: str
    question_id: str
    # The question's wording keys (label, ask, retry, why, when) as written.
    written: Mapping[str, Any]
    # The referral cannot go without it: asked among the essentials, and "no" ends kindly.
    required: bool = False
    asked_in: str = DEFAULT_SECTION


@dataclass(frozen=True)
class TeamFacts:
    """One flow's team facts: its consents in order, and the placeholders they fill."""

    consents: tuple[TeamConsent, ...] = ()
    placeholders: Mapping[str, str] = field(default_factory=dict)
    source: str = ""


def team_facts(teams_dir: Path) -> dict[str, TeamFacts]:
    """Flow id -> its team's facts; two teams sharing a flow must agree on them."""
    found: dict[str, TeamFacts] = {}
    for path in sorted(teams_dir.glob("*.yml")):
        raw = _read(path)
        facts = TeamFacts(_consents(raw.get("consents"), path.name), _placeholders(raw), path.name)
        for flow_id in raw.get("flows") or []:
            earlier = found.setdefault(str(flow_id), facts)
            if (earlier.consents, earlier.placeholders) != (facts.consents, facts.placeholders):
                raise TeamFactsError(
                    f"{path.name}: its consents or office facts differ from {earlier.source}, "
                    f"which uses the same flow {flow_id!r}: a flow asks one set of consents"
                )
    return found


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TeamFactsError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise TeamFactsError(f"{path.name}: expected a mapping at the top level")
    return raw


def _consents(raw: Any, where: str) -> tuple[TeamConsent, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise TeamFactsError(f"{where}: consents must be a list of recipients")
    consents = tuple(_consent(item, f"{where}: consents[{n}]") for n, item in enumerate(raw))
    recipients = [consent.recipient for consent in consents]
    if len(set(recipients)) != len(recipients):
        raise TeamFactsError(f"{where}: consents name a recipient twice")
    if sum(consent.required for consent in consents) != 1:
        # One consent decides whether anything is sent; the rest only widen who hears.
        raise TeamFactsError(f"{where}: exactly one consent must be required: true")
    return consents


def _consent(raw: Any, where: str) -> TeamConsent:
    if not isinstance(raw, dict):
        raise TeamFactsError(f"{where}: expected a mapping")
    unknown = sorted(set(raw) - _CONSENT_KEYS)
    if unknown:
        raise TeamFactsError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted({"recipient", "label", "ask", "retry", "why"} - set(raw))
    if missing:
        raise TeamFactsError(f"{where}: missing key(s) {', '.join(missing)}")
    recipient = str(raw["recipient"])
    written = {key: raw[key] for key in ("label", "ask", "retry", "why", "when") if key in raw}
    required = bool(raw.get("required", False))
    if required and "when" in raw:
        raise TeamFactsError(f"{where}: a required consent is asked of everyone (no when)")
    return TeamConsent(
        recipient=recipient,
        question_id=str(raw.get("id") or f"consent_{recipient}"),
        written=written,
        required=required,
        asked_in=str(raw.get("asked_in") or DEFAULT_SECTION),
    )


def _placeholders(raw: dict[str, Any]) -> dict[str, str]:
    """The team facts wording may name: its office phone and address, its privacy notice."""
    office = raw.get("office") or {}
    found: dict[str, str] = {}
    if office.get("phone"):
        number = phonenumbers.parse(str(office["phone"]), "GB")
        found["office_phone"] = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    if office.get("address"):
        found["office_address"] = str(office["address"])
    if raw.get("privacy_notice"):
        found["privacy_notice"] = str(raw["privacy_notice"])
    return found

"""The L&D teams one deployment serves, loaded from `data/teams/*.yml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from webhooks.hours import HoursError, ServiceHours, parse_hours


class TeamConfigError(ValueError):
    """A team file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class CrisisLine:
    """A team's own crisis line (never its office number)."""

    name: str
    number: str
    display: str
    # How to tell someone to use it, e.g. "call NHS 111 and choose option 2".
    call: str
    # Whether a call can be put through to it (a short code like 111 cannot).
    dialable: bool


@dataclass(frozen=True)
class DutyContacts:
    """Where "urgent referral waiting" alerts go in hours: an SMS number and/or a webhook."""

    sms: str | None = None
    webhook: str | None = None
    # A phone a caller asking for a person is put through to in hours.
    phone: str | None = None


@dataclass(frozen=True)
class Team:
    """One L&D service: how it is reached and where people in crisis are sent."""

    id: str
    name: str
    short_name: str
    numbers: tuple[str, ...]
    crisis_line: CrisisLine
    flows: tuple[str, ...]
    hours: ServiceHours
    duty: DutyContacts = field(default_factory=DutyContacts)
    eligibility: dict[str, Any] = field(default_factory=dict)
    office: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamDirectory:
    """All teams, found by id or by the Twilio number a person contacted."""

    teams: dict[str, Team]

    def by_id(self, team_id: str) -> Team | None:
        """The team with this id, if any."""
        return self.teams.get(team_id)

    def by_number(self, number: str) -> Team | None:
        """The team reached at this E.164 number, if any."""
        for team in self.teams.values():
            if number in team.numbers:
                return team
        return None


def load_teams(directory: Path) -> TeamDirectory:
    """Load and check every team file; numbers must be unique across teams."""
    teams: dict[str, Team] = {}
    owners: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        team = _team(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        if team.id in teams:
            raise TeamConfigError(f"{path.name}: team id {team.id!r} is used twice")
        for number in team.numbers:
            if number in owners:
                raise TeamConfigError(f"{path.name}: {number} already belongs to {owners[number]}")
            owners[number] = team.id
        teams[team.id] = team
    if not teams:
        raise TeamConfigError(f"no team files found in {directory}")
    return TeamDirectory(teams=teams)


def _team(raw: Any, where: str) -> Team:
    if not isinstance(raw, dict):
        raise TeamConfigError(f"{where}: expected a mapping")
    for key in ("id", "name", "short_name", "numbers", "crisis_line", "flows"):
        if key not in raw:
            raise TeamConfigError(f"{where}: missing key {key!r}")
    crisis = raw["crisis_line"]
    if not isinstance(crisis, dict) or not crisis.get("name") or not crisis.get("number"):
        raise TeamConfigError(f"{where}: crisis_line needs a name and a number")
    return Team(
        id=str(raw["id"]),
        name=str(raw["name"]),
        short_name=str(raw["short_name"]),
        numbers=tuple(_e164(number, where) for number in raw["numbers"]),
        crisis_line=_crisis_line(crisis),
        flows=tuple(str(flow) for flow in raw["flows"]),
        hours=_hours(raw, where),
        duty=_duty(raw.get("duty") or {}, where, raw.get("office") or {}),
        eligibility=dict(raw.get("eligibility") or {}),
        office=dict(raw.get("office") or {}),
    )


def _crisis_line(raw: dict[str, Any]) -> CrisisLine:
    number = str(raw["number"])
    display = _national(number)
    return CrisisLine(
        name=str(raw["name"]),
        number=number,
        display=display,
        call=str(raw.get("call") or f"call {raw['name']} on {display}"),
        # A full number can be dialled from a call; a short code such as 111 cannot.
        dialable=_is_full_number(number),
    )


def _is_full_number(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "GB"))
    except phonenumbers.NumberParseException:
        return False


def _duty(raw: dict[str, Any], where: str, office: dict[str, Any]) -> DutyContacts:
    webhook = raw.get("webhook")
    if webhook is not None and not str(webhook).startswith(("https://", "http://")):
        raise TeamConfigError(f"{where}: duty.webhook must be an http(s) URL")
    # In hours, the office phone is a person to talk to (never a crisis line).
    sms, phone = raw.get("sms"), raw.get("phone") or office.get("phone")
    return DutyContacts(
        sms=_e164(sms, where) if sms else None,
        webhook=str(webhook) if webhook else None,
        phone=_e164(phone, where) if phone else None,
    )


def _hours(raw: dict[str, Any], where: str) -> ServiceHours:
    try:
        return parse_hours(dict(raw.get("hours") or {}), raw.get("pickup"), where)
    except HoursError as error:
        raise TeamConfigError(str(error)) from error


def _e164(number: Any, where: str) -> str:
    try:
        parsed = phonenumbers.parse(str(number), "GB")
    except phonenumbers.NumberParseException as error:
        raise TeamConfigError(f"{where}: {number!r} is not a phone number") from error
    if not phonenumbers.is_valid_number(parsed):
        raise TeamConfigError(f"{where}: {number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _national(number: str) -> str:
    # Short codes such as 111 are not full numbers; show them as written.
    if not _is_full_number(number):
        return number
    parsed = phonenumbers.parse(number, "GB")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

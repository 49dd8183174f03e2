"""The L&D teams one deployment serves, loaded from `data/teams/*.yml`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from flows.placeholders import PlaceholderError, fill
from webhooks.hours import HoursError, ServiceHours, parse_hours
from webhooks.retention import RetentionError, RetentionPolicy, parse_retention
from webhooks.targets import PickUpTargets, TargetError, parse_targets


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

    def alert_targets(self) -> list[tuple[str, str]]:
        """(kind, target) for each way an alert reaches this duty practitioner."""
        found = [("sms", self.sms), ("webhook", self.webhook)]
        return [(kind, target) for kind, target in found if target]


@dataclass(frozen=True)
class TeamInfo:
    """What the team's own public page says about its service (`info:`), in sentences the
    gateway puts in its answers when people ask; None where the page says nothing, so the
    answer says the team can tell them rather than guess."""

    # What the service is and who it is for.
    about: str | None = None
    # Where the team works (police stations, courts), beside any office address.
    where: str | None = None
    # By phone or in person (and what someone going to a voluntary interview can do).
    support_how: str | None = None
    # Peer workers, link workers, support to first appointments.
    peer_support: str | None = None
    # How each pathway of `hours:` is named when the hours are given ("Reception").
    pathways: dict[str, str] = field(default_factory=dict)


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
    # The pickup pathway's duty contacts (and the phone a caller is put through to).
    duty: DutyContacts = field(default_factory=DutyContacts)
    # Every pathway's duty contacts, by pathway name (the pickup one included).
    duty_by_pathway: dict[str, DutyContacts] = field(default_factory=dict)
    eligibility: dict[str, Any] = field(default_factory=dict)
    office: dict[str, Any] = field(default_factory=dict)
    info: TeamInfo = field(default_factory=TeamInfo)
    # How soon the team aims to take up a referral of each kind (the queue shows it).
    targets: PickUpTargets = field(default_factory=PickUpTargets)
    # How long its records are kept (None: the file sets none, and nothing is purged).
    retention: RetentionPolicy | None = None


@dataclass(frozen=True)
class TeamDirectory:
    """All teams, found by id or by the Twilio number a person contacted."""

    teams: dict[str, Team]

    def duty_contacts(self) -> list[tuple[str, str]]:
        """Every alert target in the directory as (kind, target), for start-up checks."""
        return [
            (kind, target)
            for team in self.teams.values()
            for contacts in team.duty_by_pathway.values()
            for kind, target in contacts.alert_targets()
        ]

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
    hours = _hours(raw, where)
    duty = _duty_by_pathway(raw.get("duty") or {}, where, raw.get("office") or {}, hours)
    return Team(
        id=str(raw["id"]),
        name=str(raw["name"]),
        short_name=str(raw["short_name"]),
        numbers=tuple(_e164(number, where) for number in raw["numbers"]),
        crisis_line=_crisis_line(crisis),
        flows=tuple(str(flow) for flow in raw["flows"]),
        hours=hours,
        duty=duty.get(hours.pickup or "", DutyContacts(phone=_office_phone(raw, where))),
        duty_by_pathway=duty,
        eligibility=dict(raw.get("eligibility") or {}),
        office=dict(raw.get("office") or {}),
        info=_info(raw, where, hours),
        targets=_targets(raw, where),
        retention=_retention(raw, where),
    )


def _targets(raw: dict[str, Any], where: str) -> PickUpTargets:
    try:
        return parse_targets(raw.get("pick_up_within"), where)
    except TargetError as error:
        raise TeamConfigError(str(error)) from error


def _retention(raw: dict[str, Any], where: str) -> RetentionPolicy | None:
    try:
        return parse_retention(raw.get("retention"), where)
    except RetentionError as error:
        raise TeamConfigError(str(error)) from error


_INFO_FACTS = ("about", "where", "support_how", "peer_support")


def _info(raw: dict[str, Any], where: str, hours: ServiceHours) -> TeamInfo:
    """`info:`: sentences from the team's page, which may name `{office_phone}`,
    `{office_address}` and `{min_age}` (written once, in `office:` and `eligibility:`)."""
    info = raw.get("info") or {}
    if not isinstance(info, dict):
        raise TeamConfigError(f"{where}: info must be a mapping")
    unknown = sorted(set(info) - {*_INFO_FACTS, "pathways"})
    if unknown:
        raise TeamConfigError(f"{where}: info has an unknown key {unknown[0]!r}")
    values = _info_values(raw, where)
    facts: dict[str, str] = {}
    for key in _INFO_FACTS:
        if key in info:
            facts[key] = _info_text(info[key], values, f"{where}: info.{key}")
    names = info.get("pathways") or {}
    if not isinstance(names, dict):
        raise TeamConfigError(f"{where}: info.pathways must name pathways of the hours")
    for name in names:
        if name not in hours.pathways:
            raise TeamConfigError(
                f"{where}: info.pathways.{name} is not one of the hours' pathways"
            )
    pathways = {
        str(name): _info_text(text, values, f"{where}: info.pathways.{name}")
        for name, text in names.items()
    }
    return TeamInfo(**facts, pathways=pathways)


def _info_values(raw: dict[str, Any], where: str) -> dict[str, str]:
    office = raw.get("office") or {}
    values: dict[str, str] = {}
    if office.get("phone"):
        values["office_phone"] = _national(_e164(office["phone"], where))
    if office.get("address"):
        values["office_address"] = str(office["address"])
    min_age = (raw.get("eligibility") or {}).get("min_age")
    if min_age is not None:
        values["min_age"] = str(min_age)
    return values


def _info_text(text: Any, values: dict[str, str], where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise TeamConfigError(f"{where}: expected words")
    try:
        return fill(" ".join(text.split()), values, where)
    except PlaceholderError as error:
        raise TeamConfigError(str(error)) from error


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


_CONTACT_KEYS = ("sms", "webhook", "phone")


def _duty_by_pathway(
    raw: Any, where: str, office: dict[str, Any], hours: ServiceHours
) -> dict[str, DutyContacts]:
    """`duty:` names each pathway's duty practitioner (`custody: {sms: ...}`); contact keys
    at the top (`sms:`, `webhook:`, `phone:`) are the pickup pathway's, as before pathways
    had their own."""
    if not isinstance(raw, dict):
        raise TeamConfigError(f"{where}: duty must be a mapping of pathways")
    flat = {key: raw[key] for key in _CONTACT_KEYS if key in raw}
    nested = {key: value for key, value in raw.items() if key not in _CONTACT_KEYS}
    for name, contacts in nested.items():
        if name not in hours.pathways:
            raise TeamConfigError(f"{where}: duty.{name} is not one of the hours' pathways")
        if not isinstance(contacts, dict):
            raise TeamConfigError(f"{where}: duty.{name} needs sms, webhook or phone")
    if flat:
        if hours.pickup is None:
            raise TeamConfigError(f"{where}: duty contacts need a pickup pathway")
        nested[hours.pickup] = {**flat, **nested.get(hours.pickup, {})}
    found = {name: _duty(contacts, f"{where}: duty.{name}") for name, contacts in nested.items()}
    if hours.pickup is not None:
        # In hours, the office phone is a person to talk to (never a crisis line).
        pickup = found.get(hours.pickup, DutyContacts())
        if pickup.phone is None and office.get("phone"):
            pickup = replace(pickup, phone=_e164(office["phone"], where))
        found[hours.pickup] = pickup
    return found


def _office_phone(raw: dict[str, Any], where: str) -> str | None:
    phone = (raw.get("office") or {}).get("phone")
    return _e164(phone, where) if phone else None


def _duty(raw: dict[str, Any], where: str) -> DutyContacts:
    unknown = set(raw) - set(_CONTACT_KEYS)
    if unknown:
        raise TeamConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    webhook = raw.get("webhook")
    if webhook is not None and not str(webhook).startswith(("https://", "http://")):
        raise TeamConfigError(f"{where}: webhook must be an http(s) URL")
    sms, phone = raw.get("sms"), raw.get("phone")
    return DutyContacts(
        sms=_e164(sms, where, fiction_allowed=True) if sms else None,
        webhook=str(webhook) if webhook else None,
        phone=_e164(phone, where) if phone else None,
    )


def _hours(raw: dict[str, Any], where: str) -> ServiceHours:
    try:
        return parse_hours(dict(raw.get("hours") or {}), raw.get("pickup"), where)
    except HoursError as error:
        raise TeamConfigError(str(error)) from error


def _e164(number: Any, where: str, fiction_allowed: bool = False) -> str:
    try:
        parsed = phonenumbers.parse(str(number), "GB")
    except phonenumbers.NumberParseException as error:
        raise TeamConfigError(f"{where}: {number!r} is not a phone number") from error
    if fiction_allowed and is_fictional(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed):
        raise TeamConfigError(f"{where}: {number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Ofcom keeps 07700 900000-900999 for fiction: no phone ever has one. The shipped duty
# contacts use them, so a team that forgets to put in its own never texts a stranger.
_FICTIONAL_MOBILES = range(7700900000, 7700901000)


def is_fictional(number: phonenumbers.PhoneNumber | str) -> bool:
    """Whether the number is in Ofcom's range for drama (never a real phone)."""
    if isinstance(number, str):
        try:
            number = phonenumbers.parse(number, "GB")
        except phonenumbers.NumberParseException:
            return False
    return number.country_code == 44 and (number.national_number or 0) in _FICTIONAL_MOBILES


def _national(number: str) -> str:
    # Short codes such as 111 are not full numbers; show them as written.
    if not _is_full_number(number):
        return number
    parsed = phonenumbers.parse(number, "GB")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

"""The national crisis contacts, from `data/crisis_contacts.yml`: the one place their
numbers are written.

Wording names a contact by its id in braces ("call Samaritans free on {samaritans}"), in
the gateway's messages, the flows' texts and the Rasa responses; each is filled from this
file when it is loaded. The file is checked then: a missing or invalid number, a
duplicate id or an unknown key stops start-up with the file and the key named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from phonenumbers import shortnumberinfo

from flows.errors import FlowError

FILE_NAME = "crisis_contacts.yml"
# How a contact is used: a number to call, or a short code to text (never put through).
WAYS = ("call", "text")
_KEYS = {"id", "name", "number", "by", "keyword", "option"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Digits in groups, as people write and say them: "116 123", "0808 2000 247".
_WRITTEN = re.compile(r"^\d+( \d+)*$")
_REGION = "GB"


class ContactsError(FlowError):
    """The crisis contacts file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class CrisisContact:
    """One national crisis service."""

    id: str
    name: str
    # As written and said: "116 123". A short code (999, 111, 116 123) or a full number.
    number: str
    by: str = "call"
    # A word to text, e.g. SHOUT.
    keyword: str = ""
    # A menu option to choose after calling, e.g. NHS 111's option 2.
    option: int | None = None

    @property
    def e164(self) -> str | None:
        """The number in E.164 when it is a full number (short codes have none)."""
        parsed = phonenumbers.parse(self.number, _REGION)
        if not phonenumbers.is_valid_number(parsed):
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    @property
    def dialable(self) -> bool:
        """Whether a call could be put through to it: a full number one calls."""
        return self.by == "call" and self.e164 is not None

    def placeholders(self) -> dict[str, str]:
        """What wording may name: `{id}` its number, `{id_keyword}`, `{id_option}`."""
        values = {self.id: self.number}
        if self.keyword:
            values[f"{self.id}_keyword"] = self.keyword
        if self.option is not None:
            values[f"{self.id}_option"] = str(self.option)
        return values


@dataclass(frozen=True)
class CrisisContacts:
    """Every national crisis contact, by id, in the file's order."""

    contacts: tuple[CrisisContact, ...]

    def __iter__(self) -> Iterator[CrisisContact]:
        return iter(self.contacts)

    def get(self, contact_id: str) -> CrisisContact | None:
        """The contact with this id, if any."""
        return next((contact for contact in self.contacts if contact.id == contact_id), None)

    def placeholders(self) -> dict[str, str]:
        """Every placeholder the contacts fill, e.g. {"samaritans": "116 123"}."""
        values: dict[str, str] = {}
        for contact in self.contacts:
            values.update(contact.placeholders())
        return values


def load_crisis_contacts(path: Path) -> CrisisContacts:
    """Read and check the contacts file."""
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContactsError(f"{where}: cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ContactsError(f"{where}: not valid YAML: {error}") from error
    if not isinstance(raw, list) or not raw:
        raise ContactsError(f"{where}: expected a list of contacts")
    contacts: list[CrisisContact] = []
    placeholders: set[str] = set()
    for n, item in enumerate(raw):
        contact = _contact(item, f"{where}: [{n}]")
        if contact.id in (known.id for known in contacts):
            raise ContactsError(f"{where}: [{n}] id {contact.id!r} is used twice")
        named = set(contact.placeholders())
        if named & placeholders:
            clash = ", ".join(sorted(named & placeholders))
            raise ContactsError(f"{where}: [{n}] {clash} is already named by another contact")
        placeholders |= named
        contacts.append(contact)
    return CrisisContacts(tuple(contacts))


def _contact(raw: Any, where: str) -> CrisisContact:
    if not isinstance(raw, dict):
        raise ContactsError(f"{where}: expected a mapping with id, name and number")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ContactsError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    for key in ("id", "name", "number"):
        if raw.get(key) in (None, ""):
            raise ContactsError(f"{where}: missing {key}")
    contact_id = raw["id"]
    if not isinstance(contact_id, str) or not _ID.match(contact_id):
        raise ContactsError(f"{where}.id: {contact_id!r} must be lower_snake_case")
    where = f"{where} ({contact_id})"
    by = raw.get("by", "call")
    if by not in WAYS:
        raise ContactsError(f"{where}.by: one of {', '.join(WAYS)}")
    option = raw.get("option")
    if option is not None and (not isinstance(option, int) or isinstance(option, bool)):
        raise ContactsError(f"{where}.option: expected a whole number")
    keyword = raw.get("keyword", "")
    if not isinstance(keyword, str) or (by == "text") != bool(keyword):
        raise ContactsError(f"{where}.keyword: a word to text, given exactly when by is text")
    return CrisisContact(
        id=contact_id,
        name=" ".join(str(raw["name"]).split()),
        number=_number(raw["number"], f"{where}.number"),
        by=str(by),
        keyword=keyword.strip(),
        option=option,
    )


def _number(value: Any, where: str) -> str:
    # Quoted, so YAML cannot read it as a number and drop a leading 0.
    if not isinstance(value, str):
        raise ContactsError(f'{where}: write the number in quotes, e.g. "116 123"')
    if not _WRITTEN.match(value):
        raise ContactsError(f'{where}: {value!r} must be digits in groups, e.g. "0800 1111"')
    try:
        parsed = phonenumbers.parse(value, _REGION)
    except phonenumbers.NumberParseException as error:
        raise ContactsError(f"{where}: {value!r} is not a phone number") from error
    full = phonenumbers.is_valid_number(parsed)
    if not full and not shortnumberinfo.is_valid_short_number_for_region(parsed, _REGION):
        raise ContactsError(f"{where}: {value!r} is not a valid UK number or short code")
    return value

"""The gateway's own wording, kept in `data/messages.yml` for review without Python.

The national crisis numbers are not written there: the wording names each contact by its
id ("call Samaritans free on {samaritans}"), filled in at load from
`data/crisis_contacts.yml` beside it. Every other placeholder must be one the gateway
fills when it speaks (RUNTIME_PLACEHOLDERS), so a typo stops start-up instead of
reaching a person.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.contacts import FILE_NAME as CONTACTS_FILE
from flows.contacts import CrisisContacts, load_crisis_contacts
from flows.placeholders import PlaceholderError, fill
from webhooks.teams import Team

# Already named in every risk-to-self message, so never repeated as "the team's line".
NHS_111 = "nhs111"
# What the gateway passes when it speaks: a new one is added here with the code that
# passes it.
RUNTIME_PLACEHOLDERS = frozenset(
    {
        "about",
        "address",
        "choices",
        "crisis_also",
        "crisis_call",
        "crisis_name",
        "day",
        "days",
        "email",
        "fact",
        "filename",
        "first",
        "hours",
        "label",
        "last",
        "link",
        "month",
        "number",
        "other_way",
        "part_of_day",
        "pathway",
        "pathways",
        "phone",
        "question",
        "reference",
        "status",
        "team_name",
        "time",
        "times",
        "until",
        "weekday",
        "when",
        "where",
        "working",
    }
)

REQUIRED_KEYS = (
    "crisis_young_person",
    "voice_needs_words",
    "referral_sent",
    "referral_added",
    "referral_not_saved",
    "referral_kept",
    "voice_database_down",
    "voice_put_through_offer_team",
    "voice_put_through_offer_crisis",
    "voice_contacts_again",
    "bot_unavailable",
    "unknown_number",
    "sms_options",
    "sms_choice",
    "team_closed",
    "team_closed_hours_unknown",
    "picked_up_when",
    "when_today",
    "when_tomorrow",
    "when_this_week",
    "when_later",
    "morning",
    "afternoon",
    "evening",
    "duty_alert",
    "voice_options",
    "voice_choice",
    "voice_silence_1",
    "voice_silence_2",
    "voice_offer",
    "voice_text_sent",
    "voice_callback",
    "voice_callback_withheld",
    "voice_goodbye",
    "voice_continue_by_text",
    "voice_welcome_back",
    "sms_opted_out",
    "sms_opted_in",
    "sms_help",
    "document_received",
    "document_too_big",
    "document_wrong_type",
    "document_empty",
    "document_not_received",
    "document_other_way",
    "chat_empty",
    "chat_too_long",
    "chat_no_file",
    "chat_file_too_big",
    "voice_connect_offer",
    "voice_connecting_crisis",
    "voice_connecting_team",
    "voice_cannot_connect",
    "concern_note",
    "crisis_self",
    "crisis_from_others",
    "crisis_others",
    "crisis_urgent_note",
    "carry_on",
    "carry_on_start",
    "referral_stopped",
    "conversation_ended",
    "person_in_hours",
    "person_call_back",
    "consent_withdrawn",
    "consent_nothing_to_withdraw",
    "info_service",
    "info_hours",
    "info_hours_pathway",
    "info_days_times",
    "info_working_now",
    "info_working_always",
    "info_not_working_now",
    "info_not_working",
    "info_every_day",
    "info_all_day",
    "info_range",
    "info_midnight",
    "info_confidential",
    "info_crisis_line",
    "info_office_address",
    "info_office_where",
    "info_office_no_address",
    "info_office_phone",
    "info_support_how",
    "info_peer_support",
    "info_unknown",
)


class Wording:
    """Named message templates with `{placeholders}`, the crisis contacts filled in."""

    def __init__(
        self,
        templates: dict[str, str],
        contacts: CrisisContacts | None = None,
        where: str = "messages.yml",
    ) -> None:
        missing = [key for key in REQUIRED_KEYS if key not in templates]
        if missing:
            raise ValueError(f"{where} is missing: {', '.join(missing)}")
        self.contacts = contacts or CrisisContacts(())
        values = self.contacts.placeholders()
        try:
            self._templates = {
                key: fill(template, values, f"{where}: {key}", later=RUNTIME_PLACEHOLDERS)
                for key, template in templates.items()
            }
        except PlaceholderError as error:
            raise ValueError(
                f"{error}: not a crisis contact in {CONTACTS_FILE} nor one the gateway fills"
            ) from error

    @classmethod
    def load(cls, path: Path, contacts: CrisisContacts | None = None) -> Wording:
        """Read the wording file, and the crisis contacts beside it unless given."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if contacts is None:
            contacts = load_crisis_contacts(path.with_name(CONTACTS_FILE))
        templates = {str(key): " ".join(str(value).split()) for key, value in raw.items()}
        return cls(templates, contacts, path.name)

    def templates(self) -> dict[str, str]:
        """Every message as loaded: the contacts filled in, the gateway's placeholders not."""
        return dict(self._templates)

    def say(self, key: str, **values: str) -> str:
        """The message `key` with its placeholders filled in."""
        return self._templates[key].format(**values)

    def say_for(self, team: Team, key: str, **values: str) -> str:
        """The message `key` with the team's name and crisis line filled in too."""
        line = team.crisis_line
        nhs_111 = self.contacts.get(NHS_111)
        named = nhs_111 is not None and _digits(line.number) == _digits(nhs_111.number)
        also = "" if named else f", or {line.call}"
        return self.say(key, team_name=team.name, crisis_call=line.call, crisis_also=also, **values)


def _digits(number: str) -> str:
    return "".join(character for character in number if character.isdigit())

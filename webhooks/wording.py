"""The gateway's own wording, kept in `data/messages.yml` for review without Python."""

from __future__ import annotations

from pathlib import Path

import yaml

from webhooks.teams import Team

# Already named in every risk-to-self message, so never repeated as "the team's line".
NHS_111 = "111"

REQUIRED_KEYS = (
    "crisis_young_person",
    "voice_needs_words",
    "referral_sent",
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
)


class Wording:
    """Named message templates with `{placeholders}`."""

    def __init__(self, templates: dict[str, str]) -> None:
        missing = [key for key in REQUIRED_KEYS if key not in templates]
        if missing:
            raise ValueError(f"messages.yml is missing: {', '.join(missing)}")
        self._templates = templates

    @classmethod
    def load(cls, path: Path) -> Wording:
        """Read the wording file."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls({str(key): " ".join(str(value).split()) for key, value in raw.items()})

    def say(self, key: str, **values: str) -> str:
        """The message `key` with its placeholders filled in."""
        return self._templates[key].format(**values)

    def say_for(self, team: Team, key: str, **values: str) -> str:
        """The message `key` with the team's name and crisis line filled in too."""
        line = team.crisis_line
        also = "" if line.number == NHS_111 else f", or {line.call}"
        return self.say(key, team_name=team.name, crisis_call=line.call, crisis_also=also, **values)

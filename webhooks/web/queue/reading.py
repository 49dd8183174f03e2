"""The referral page read top to bottom: the risk with the words that raised it marked,
then who the person is and how (and how not) to reach them, where they are in the justice
system, and every answer under its flow section's title."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from markupsafe import Markup, escape

from flows.loader import load_sections
from webhooks import time_critical
from webhooks.db.models import Referral, ReferralAnswer

# The answers a practitioner needs before anything else, by question id, in the order
# read. Their labels and wording come from the flows; a flow without one leaves it out.
WHO = (
    "full_name",
    "date_of_birth",
    "referrer",
    "referrer_name",
    "referrer_role",
    "referrer_organisation",
    "referrer_phone",
    "person_agrees",
    "guardian_name",
    "guardian_phone",
)
CONTACT = (
    "contact_number",
    "contact_route",
    "email",
    "best_time",
    "address",
    "postcode",
    "language",
    "interpreter",
    "adjustments",
)
# How the person asked NOT to be contacted, shown as a warning above how to contact them.
AVOID = "contact_avoid"
AVOID_NONE = "none"
JUSTICE = (
    "justice_status",
    "coventry_site",
    "south_essex_site",
    "contact_place",
    "next_date",
    "recent_contact_outcome",
    "alleged_offence",
    "has_solicitor",
    "solicitor_details",
    "appropriate_adult",
    "youth_offending_team",
)


@dataclass(frozen=True)
class AnswerGroup:
    """The answers of one flow section, in the order asked; `title` None when the
    section is not known (an answer stored before sections were recorded)."""

    title: str | None
    answers: list[ReferralAnswer]


@dataclass(frozen=True)
class TimeCritical:
    """One reason it is time-critical, and the answer that made it so (if kept)."""

    label: str
    answer: ReferralAnswer | None


@dataclass(frozen=True)
class Reading:
    """What the referral page shows, in the order a practitioner reads it."""

    who: list[ReferralAnswer]
    contact: list[ReferralAnswer]
    avoid: ReferralAnswer | None
    justice: list[ReferralAnswer]
    groups: list[AnswerGroup]
    time_critical: list[TimeCritical]
    scores: list[dict[str, object]]


def reading_of(referral: Referral) -> Reading:
    """The referral's answers arranged for reading."""
    given = {answer.question_id: answer for answer in referral.answers if not answer.skipped}
    avoid = given.get(AVOID)
    if avoid is not None and avoid.value.get("v") in ([AVOID_NONE], AVOID_NONE, None, []):
        avoid = None
    return Reading(
        who=_picked(given, WHO),
        contact=_picked(given, CONTACT),
        avoid=avoid,
        justice=_picked(given, JUSTICE),
        groups=grouped(referral.answers, section_titles()),
        time_critical=_time_critical(referral, given),
        scores=list((referral.scores or {}).get("scores") or []),
    )


def grouped(answers: Iterable[ReferralAnswer], titles: dict[str, str]) -> list[AnswerGroup]:
    """Answers under their section's title, a new group each time the section changes
    (the flow asks a section's questions together)."""
    groups: list[AnswerGroup] = []
    current: str | None = None
    for answer in answers:
        if not groups or answer.section != current:
            current = answer.section
            groups.append(AnswerGroup(titles.get(current or ""), []))
        groups[-1].answers.append(answer)
    return groups


def marked(text: str, phrases: Sequence[str]) -> Markup:
    """The text, escaped, with each phrase the safety net acted on wrapped in <mark>:
    found whatever its case or spacing; a phrase not in the text (the learned net's
    evidence) marks nothing."""
    words = [phrase.split() for phrase in phrases if phrase.strip()]
    patterns = [r"\s+".join(re.escape(word) for word in split) for split in words]
    if not patterns:
        return escape(text)
    # Longest first, so "end my life" is marked whole rather than as "my life".
    pattern = re.compile(
        "|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE | re.UNICODE
    )
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


@cache
def section_titles() -> dict[str, str]:
    """Each flow section's title, by section id, read once from the flows."""
    return {section_id: str(raw["title"]) for section_id, raw in load_sections().items()}


def _picked(given: dict[str, ReferralAnswer], ids: Sequence[str]) -> list[ReferralAnswer]:
    return [given[question_id] for question_id in ids if question_id in given]


def _time_critical(referral: Referral, given: dict[str, ReferralAnswer]) -> list[TimeCritical]:
    names = (referral.time_critical_reasons or {}).get("reasons") or []
    rules = {reason.name: reason for reason in time_critical.load_reasons()}
    found = []
    for name in names:
        rule = rules.get(name)
        found.append(
            TimeCritical(
                label=rule.label if rule else str(name),
                answer=given.get(rule.question) if rule else None,
            )
        )
    return found

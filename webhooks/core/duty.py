"""Which duty practitioner hears of an urgent or time-critical referral, and when.

A team has a duty contact per pathway (reception, custody, court…). The alert goes to the
first pathway that is working now, preferring the ones the referral's context names (in
custody now: the custody team); when none is working it waits for the first to open, so
a referral made at 2am is alerted at opening time rather than never.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from webhooks.teams import DutyContacts, Team


@dataclass(frozen=True)
class DutyRoute:
    """Whose duty practitioner to alert, and from when."""

    pathway: str
    contacts: DutyContacts
    at: datetime


def route(team: Team, preferred: Sequence[str], now: datetime) -> DutyRoute | None:
    """The pathway to alert for a referral whose context prefers `preferred` (may be
    empty); None when the team has no duty contact at all."""
    candidates = _candidates(team, preferred)
    if not candidates:
        return None
    for pathway in candidates:
        if team.hours.is_open(now, pathway):
            return DutyRoute(pathway, team.duty_by_pathway[pathway], now)
    openings = [
        (opening, index, pathway)
        for index, pathway in enumerate(candidates)
        if (opening := team.hours.next_opening(now, pathway)) is not None
    ]
    if not openings:
        # No hours known for any of them: tell the first now rather than nobody ever.
        return DutyRoute(candidates[0], team.duty_by_pathway[candidates[0]], now)
    opening, _, pathway = min(openings)
    return DutyRoute(pathway, team.duty_by_pathway[pathway], opening)


def resume_at(team: Team, pathway: str | None, now: datetime) -> datetime | None:
    """When an alert to this pathway may next go: None if now (working, or hours unknown)."""
    if pathway is None or pathway not in team.hours.pathways:
        return None
    if team.hours.is_open(now, pathway):
        return None
    return team.hours.next_opening(now, pathway)


def _candidates(team: Team, preferred: Sequence[str]) -> list[str]:
    # The context's pathways first, then the pickup one, then the rest in file order.
    order = [*preferred, team.hours.pickup or "", *team.duty_by_pathway]
    chosen: list[str] = []
    for pathway in order:
        contacts = team.duty_by_pathway.get(pathway)
        if contacts is not None and contacts.alert_targets() and pathway not in chosen:
            chosen.append(pathway)
    return chosen

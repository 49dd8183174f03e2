"""Once a person says they are in custody now, or due in court soon, tell them whether
that team is working now and when it will have their referral: someone at a police
station on a Saturday hears "the custody team is working now, until 8pm", not only that
the office is closed until Monday."""

from __future__ import annotations

from datetime import datetime

from webhooks import time_critical
from webhooks.core import duty
from webhooks.core.out_of_hours import clock_phrase, when_phrase
from webhooks.core.replies import Reply
from webhooks.db.models import Referral
from webhooks.teams import Team
from webhooks.wording import Wording


def watched_questions() -> tuple[str, ...]:
    """The questions whose answers the bot hands over at once: those the time-critical
    rules read (`data/time_critical.yml`)."""
    return tuple(dict.fromkeys(reason.question for reason in time_critical.load_reasons()))


def situation_reply(
    team: Team, question: str, value: object, now: datetime, wording: Wording
) -> Reply | None:
    """What to tell the person after this answer; None when it changes nothing for them
    (not time-critical, or the team has no named pathway for it)."""
    reasons = time_critical.reasons_for({question: value}, now)
    for pathway_name in time_critical.pathways_for(reasons):
        pathway = team.hours.pathways.get(pathway_name)
        if pathway is None or not pathway.called:
            continue
        called = pathway.called[0].upper() + pathway.called[1:]
        closes = team.hours.closes_at(now, pathway_name)
        if closes is not None:
            return Reply(
                wording.say("pathway_open_now", pathway=called, until=clock_phrase(closes))
            )
        opening = team.hours.next_opening(now, pathway_name)
        if opening is None:
            return None
        return Reply(
            wording.say("pathway_opens", pathway=called, when=when_phrase(opening, now, wording))
        )
    return None


def working_now_note(
    team: Team, referral: Referral, now: datetime, wording: Wording
) -> Reply | None:
    """After "sent", for an urgent or time-critical referral whose duty alert goes to a
    named pathway working now (the office closed, the custody team not): say that team
    has it, not that the office will pick it up on Monday. None otherwise."""
    if not (referral.urgent or referral.time_critical):
        return None
    reasons = (referral.time_critical_reasons or {}).get("reasons", [])
    chosen = duty.route(team, time_critical.pathways_for(reasons), now)
    if chosen is None or chosen.at != now or chosen.pathway == team.hours.pickup:
        return None
    called = team.hours.pathways[chosen.pathway].called
    if not called:
        return None
    return Reply(wording.say("pathway_has_it", pathway=called[0].upper() + called[1:]))

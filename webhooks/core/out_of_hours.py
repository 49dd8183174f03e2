"""Out of hours: say so first, with crisis contacts, and say in words when the team is back."""

from __future__ import annotations

from datetime import datetime, timedelta

from webhooks.core.replies import Reply
from webhooks.hours import LONDON
from webhooks.teams import Team
from webhooks.wording import Wording

# A conversation picked up again after this long is greeted as a new one.
NEW_CONVERSATION_GAP = timedelta(hours=6)


def when_phrase(opening: datetime, now: datetime, wording: Wording) -> str:
    """ "tomorrow morning at 8:30am", "on Monday morning at 8:30am", … (London time)."""
    local_open, local_now = opening.astimezone(LONDON), now.astimezone(LONDON)
    days = (local_open.date() - local_now.date()).days
    clock = clock_phrase(local_open)
    part = wording.say(
        "morning" if local_open.hour < 12 else "afternoon" if local_open.hour < 17 else "evening"
    )
    if days == 0:
        return wording.say("when_today", time=clock)
    if days == 1:
        return wording.say("when_tomorrow", part_of_day=part, time=clock)
    weekday = local_open.strftime("%A")
    if days < 7:
        return wording.say("when_this_week", weekday=weekday, part_of_day=part, time=clock)
    return wording.say(
        "when_later",
        weekday=weekday,
        day=str(local_open.day),
        month=local_open.strftime("%B"),
        time=clock,
    )


def closed_notice(team: Team, now: datetime, wording: Wording) -> Reply | None:
    """Said before anything else when the team's pickup pathway is closed; None if open.

    It names the pathways working now ("the custody team is working until 8pm"): a
    person at a police station on a Saturday must not hear only "closed until Monday".
    """
    if team.hours.is_open(now):
        return None
    opening = team.hours.next_opening(now)
    if opening is None:
        return Reply(wording.say_for(team, "team_closed_hours_unknown"))
    when = when_phrase(opening, now, wording)
    working = team.hours.others_open(now)
    if not working:
        return Reply(wording.say_for(team, "team_closed", when=when))
    named = [
        wording.say(
            "pathway_working" if index == 0 else "pathway_also_working",
            pathway=str(pathway.called),
            until=clock_phrase(closes),
        )
        for index, (pathway, closes) in enumerate(working)
    ]
    return Reply(
        wording.say_for(team, "team_closed_others_working", working=" and ".join(named), when=when)
    )


def clock_phrase(moment: datetime) -> str:
    """ "8pm", "4:30pm" (London time)."""
    return moment.astimezone(LONDON).strftime("%I:%M%p").lstrip("0").lower().replace(":00", "")


def pickup_note(team: Team, now: datetime, wording: Wording) -> Reply | None:
    """Added to the "referral sent" message when nobody will see it until later."""
    if team.hours.is_open(now):
        return None
    opening = team.hours.next_opening(now)
    if opening is None:
        return None
    return Reply(wording.say("picked_up_when", when=when_phrase(opening, now, wording)))

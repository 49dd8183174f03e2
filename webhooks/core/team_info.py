"""Questions people ask about the service ("when are you open?", "where is your office?"),
answered from the team's own file: the hours each pathway works and whether it is working
now, what the service is and is not, where the office is, phone or in person, peer
support, voluntary interviews. The bot only names the topic (`flows.protocol.InfoAsked`);
the words are in `data/messages.yml`, the facts in `data/teams/*.yml`. What a team's file
does not say is answered kindly as not known, never guessed. Plain text: every channel's
renderer sends it as it sends any reply.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, time

import phonenumbers

from webhooks.core.out_of_hours import clock_phrase, when_phrase
from webhooks.core.replies import Reply
from webhooks.hours import LONDON, Pathway
from webhooks.teams import Team
from webhooks.wording import Wording

_ALL_WEEK = frozenset(range(7))
_DAY_MINUTES = 24 * 60
# Days in a row from this many are said as a range ("Monday to Friday").
_RANGE_FROM = 3


def info_reply(team: Team, topic: str, now: datetime, wording: Wording) -> Reply:
    """The answer to a question about the service, as a reply on any channel."""
    return Reply(info_text(team, topic, now, wording))


def info_text(team: Team, topic: str, now: datetime, wording: Wording) -> str:
    """The answer to a question about the topic, from the team's file, at this moment."""
    answer = _ANSWERS.get(topic)
    said = answer(team, now, wording) if answer is not None else None
    return said or wording.say_for(team, "info_unknown")


def _service(team: Team, now: datetime, wording: Wording) -> str | None:
    about = team.info.about
    return wording.say_for(team, "info_service", about=about) if about else None


def _hours(team: Team, now: datetime, wording: Wording) -> str | None:
    lines = [
        _pathway_hours(team, name, now, wording)
        for name, pathway in team.hours.pathways.items()
        if pathway.windows
    ]
    if not lines:
        return None
    return wording.say_for(team, "info_hours", pathways=". ".join(lines))


def _pathway_hours(team: Team, name: str, now: datetime, wording: Wording) -> str:
    """ "The custody team: every day, 7:30am to 8pm (working now, until 8pm)"."""
    pathway = team.hours.pathways[name]
    return wording.say(
        "info_hours_pathway",
        pathway=_pathway_name(team, name),
        hours=_schedule(pathway, wording),
        status=_status(team, pathway, now, wording),
    )


def _schedule(pathway: Pathway, wording: Wording) -> str:
    """ "Monday to Friday, 8:30am to 4:30pm"; windows with other times each in turn."""
    days_by_times: dict[tuple[int, int], set[int]] = {}
    for window in pathway.windows:
        days_by_times.setdefault((window.opens, window.closes), set()).update(window.weekdays)
    said = [
        wording.say(
            "info_days_times",
            days=_days(frozenset(weekdays), wording),
            times=_times(opens, closes, wording),
        )
        for (opens, closes), weekdays in days_by_times.items()
    ]
    return "; ".join(said)


def _status(team: Team, pathway: Pathway, now: datetime, wording: Wording) -> str:
    if _always_open(pathway):
        return wording.say("info_working_always")
    closes = team.hours.closes_at(now, pathway.name)
    if closes is not None:
        return wording.say("info_working_now", until=_clock(closes, wording))
    opening = team.hours.next_opening(now, pathway.name)
    if opening is None:
        return wording.say("info_not_working")
    return wording.say("info_not_working_now", when=when_phrase(opening, now, wording))


def _confidential(team: Team, now: datetime, wording: Wording) -> str:
    return wording.say_for(team, "info_confidential")


def _crisis_line(team: Team, now: datetime, wording: Wording) -> str:
    return wording.say_for(team, "info_crisis_line")


def _office(team: Team, now: datetime, wording: Wording) -> str | None:
    """The address, where the team works, and the office phone with the hours someone
    answers it (Coventry's reception: "not a crisis line")."""
    address = team.office.get("address")
    parts = []
    if address:
        parts.append(wording.say_for(team, "info_office_address", address=str(address)))
    if team.info.where:
        parts.append(wording.say("info_office_where", where=team.info.where))
    if not parts:
        return None
    if not address:
        parts.append(wording.say("info_office_no_address"))
    phone = team.office.get("phone")
    pickup = team.hours.pickup
    if phone and pickup is not None and team.hours.pathways[pickup].windows:
        said = wording.say_for(
            team,
            "info_office_phone",
            pathway=_pathway_name(team, pickup),
            phone=_national(str(phone)),
            hours=_schedule(team.hours.pathways[pickup], wording),
        )
        parts.append(said)
    return " ".join(parts)


def _fact(key: str, topic: str) -> Callable[[Team, datetime, Wording], str | None]:
    """An answer that is one of the team's own sentences, framed by the wording `key`."""

    def answer(team: Team, now: datetime, wording: Wording) -> str | None:
        fact = getattr(team.info, topic)
        return wording.say(key, fact=fact) if fact else None

    return answer


_ANSWERS: dict[str, Callable[[Team, datetime, Wording], str | None]] = {
    "service": _service,
    "hours": _hours,
    "confidential": _confidential,
    "crisis_line": _crisis_line,
    "office": _office,
    "support_how": _fact("info_support_how", "support_how"),
    "peer_support": _fact("info_peer_support", "peer_support"),
}


def _pathway_name(team: Team, name: str) -> str:
    named = team.info.pathways.get(name)
    if named:
        return named
    called = team.hours.pathways[name].called
    text = called or name.replace("_", " ")
    return text[0].upper() + text[1:]


def _days(weekdays: frozenset[int], wording: Wording) -> str:
    """ "every day", "Monday to Friday", "Monday and Thursday"."""
    if weekdays == _ALL_WEEK:
        return wording.say("info_every_day")
    ordered = sorted(weekdays)
    names = [calendar.day_name[day] for day in ordered]
    in_a_row = ordered == list(range(ordered[0], ordered[-1] + 1))
    if in_a_row and len(ordered) >= _RANGE_FROM:
        return wording.say("info_range", first=names[0], last=names[-1])
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _times(opens: int, closes: int, wording: Wording) -> str:
    """ "8:30am to 4:30pm", or "24 hours a day"."""
    if opens == 0 and closes == _DAY_MINUTES:
        return wording.say("info_all_day")
    return wording.say("info_range", first=_minutes(opens, wording), last=_minutes(closes, wording))


def _minutes(minutes: int, wording: Wording) -> str:
    if minutes in (0, _DAY_MINUTES):
        return wording.say("info_midnight")
    moment = datetime.combine(date(2000, 1, 3), time(minutes // 60, minutes % 60), LONDON)
    return clock_phrase(moment)


def _clock(moment: datetime, wording: Wording) -> str:
    local = moment.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return wording.say("info_midnight")
    return clock_phrase(local)


def _always_open(pathway: Pathway) -> bool:
    """Open all day every day (South Essex): "working now", with no "until"."""
    return pathway.open_on_bank_holidays and any(
        window.weekdays == _ALL_WEEK and window.opens == 0 and window.closes == _DAY_MINUTES
        for window in pathway.windows
    )


def _national(number: str) -> str:
    # The office phone as people dial it ("024 7696 1214"), as the crisis line is shown.
    parsed = phonenumbers.parse(number, "GB")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

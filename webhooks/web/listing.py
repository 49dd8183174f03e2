"""Reading a list's filters and page from a query string, the same way for the queue
page and the API."""

from __future__ import annotations

from collections.abc import Mapping

from webhooks.db.referrals import Filters
from webhooks.db.work import STATUSES
from webhooks.web.services import services

PER_PAGE = 50
MAX_PER_PAGE = 200
_LIST_STATUSES = (*STATUSES, "open", "all", "incomplete")
_CHANNELS = ("sms", "whatsapp", "voice", "webchat")


class ListRequestError(ValueError):
    """A filter or page that cannot be read; the message says which and what is allowed."""


def filters_from_args(args: Mapping[str, str], me: str, team_id: str | None = None) -> Filters:
    """Filters from `status`, `urgent`, `time_critical`, `channel`, `owner` (me, none),
    `pathway` (one of the team's), `incomplete` and `q`."""
    status = args.get("status") or "open"
    if status not in _LIST_STATUSES:
        raise ListRequestError(f"status must be one of {', '.join(_LIST_STATUSES)}")
    channel = args.get("channel") or None
    if channel is not None and channel not in _CHANNELS:
        raise ListRequestError(f"channel must be one of {', '.join(_CHANNELS)}")
    owner = args.get("owner") or None
    if owner not in (None, "me", "none"):
        raise ListRequestError("owner must be me or none")
    pathway, or_unplaced = _pathway(args, team_id)
    return Filters(
        status=status,
        pathway=pathway,
        pathway_or_unplaced=or_unplaced,
        urgent=_yes_no(args, "urgent"),
        time_critical=_yes_no(args, "time_critical"),
        channel=channel,
        owner=me if owner == "me" else owner,
        incomplete=_yes_no(args, "incomplete"),
        search=(args.get("q") or "").strip() or None,
    )


def pathway_names(team_id: str | None) -> list[str]:
    """The team's pathways (every team's, for someone who works for them all)."""
    teams = services().teams
    chosen = [teams.by_id(team_id)] if team_id else list(teams.teams.values())
    names: list[str] = []
    for team in chosen:
        if team is not None:
            names.extend(name for name in team.hours.pathways if name not in names)
    return names


def _pathway(args: Mapping[str, str], team_id: str | None) -> tuple[str | None, bool]:
    """(pathway, whether referrals with none recorded count as on it: the pickup one's)."""
    pathway = args.get("pathway") or None
    if pathway is None:
        return None, False
    known = pathway_names(team_id)
    if pathway not in known:
        raise ListRequestError(f"pathway must be one of {', '.join(known) or 'none here'}")
    team = services().teams.by_id(team_id) if team_id else None
    return pathway, team is not None and team.hours.pickup == pathway


def page_from_args(args: Mapping[str, str], per_page_default: int = PER_PAGE) -> tuple[int, int]:
    """(page, per_page) from `page` (from 1) and `per_page` (1 to 200)."""
    page = _whole(args, "page", 1)
    per_page = _whole(args, "per_page", per_page_default)
    if per_page > MAX_PER_PAGE:
        raise ListRequestError(f"per_page must be at most {MAX_PER_PAGE}")
    return page, per_page


def _yes_no(args: Mapping[str, str], name: str) -> bool | None:
    raw = (args.get(name) or "").lower()
    if not raw:
        return None
    if raw in ("true", "yes", "1"):
        return True
    if raw in ("false", "no", "0"):
        return False
    raise ListRequestError(f"{name} must be true or false")


def _whole(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name) or ""
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise ListRequestError(f"{name} must be a whole number from 1")
    return int(raw)

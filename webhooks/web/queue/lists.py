"""The referral list as the queue page and its live refresh both show it: one page of the
team's referrals for the filters asked, each row's facts and duty-alert state, and the
page links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from webhooks.core import alerts
from webhooks.db import referrals, risks
from webhooks.db.referrals import Filters, Page
from webhooks.targets import PickUpTargets
from webhooks.web.listing import filters_from_args, page_from_args
from webhooks.web.queue.rows import Row, row_for
from webhooks.web.services import services


@dataclass(frozen=True)
class ReferralList:
    """What the list shows: the page found, with the facts of each row."""

    found: Page
    filters: Filters
    rows: dict[int, Row]
    # A referral's worst duty-alert state ("failed", "delivered", ...); None: no alerts.
    alert_states: dict[int, str | None]
    # The page numbers to link, None where a run of them is left out.
    page_links: list[int | None]


def referral_list(
    session: Session, team_id: str | None, me: str, args: Mapping[str, str], now: datetime
) -> ReferralList:
    """The page the query string asks for; ListRequestError for a filter or page that
    cannot be read."""
    filters = filters_from_args(args, me, team_id)
    page, per_page = page_from_args(args)
    found = referrals.find_referrals(session, team_id, filters, page, per_page)
    states = risks.alerts_by_referral(session, [referral.id for referral in found.referrals])
    return ReferralList(
        found=found,
        filters=filters,
        rows={
            referral.id: row_for(referral, now, _targets(referral.team_id))
            for referral in found.referrals
        },
        alert_states={key: alerts.worst_state(value) for key, value in states.items()},
        page_links=page_links(found.page, found.pages),
    )


def _targets(team_id: str) -> PickUpTargets | None:
    team = services().teams.by_id(team_id)
    return team.targets if team is not None else None


def page_links(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The first and last pages, and those near this one; None marks a gap, so a list of
    hundreds of pages still fits on one line."""
    shown = {1, pages, *range(page - around, page + around + 1)}
    links: list[int | None] = []
    for number in range(1, pages + 1):
        if number in shown:
            links.append(number)
        elif links and links[-1] is not None:
            links.append(None)
    return links

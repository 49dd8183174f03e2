"""`GET /queue/export.csv`: the filtered list, every page of it, for the team lead's
spreadsheet. Each download is audited with the filters it used."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks.db import referrals
from webhooks.db.engine import db_session
from webhooks.db.models import Referral
from webhooks.db.referrals import Filters
from webhooks.web.listing import ListRequestError, filters_from_args
from webhooks.web.queue.acting import audit_here, now
from webhooks.web.queue.csv_download import csv_response, csv_text
from webhooks.web.queue.rows import row_for

bp = Blueprint("export", __name__)

# Column names, not prose: the values are the API's own (status, channel, team and
# outcome as codes), so a sheet and a script read the same file.
COLUMNS = (
    "reference",
    "team",
    "channel",
    "sent_london",
    "status",
    "owner",
    "urgent",
    "time_critical",
    "name",
    "age",
    "justice",
    "next_date",
    "consent_withdrawn",
    "closed_outcome",
)
# Read a page at a time: a team's whole history is never held at once.
BATCH = 200


@bp.get("/export.csv")
@login_required
def referrals_csv() -> ResponseReturnValue:
    """The referrals the list's filters find (the page and per_page asked are ignored)."""
    try:
        filters = filters_from_args(request.args, current_user.actor.key, current_user.team_id)
    except ListRequestError as error:
        abort(400, str(error))
    rows = list(_rows(filters))
    # The filters, but never what was searched for: a name or a number typed in the
    # search would sit in the audit, which is kept whole and never encrypted.
    chosen = {**asdict(filters), "search": bool(filters.search)}
    audit_here("export", detail={"format": "csv", "filters": chosen, "rows": len(rows)})
    db_session().commit()
    stamp = now().strftime("%Y%m%d-%H%M")
    return csv_response(csv_text(COLUMNS, rows), f"referrals-{stamp}.csv")


def _rows(filters: Filters) -> Iterator[list[object]]:
    session = db_session()
    moment = now()
    page = 1
    while True:
        found = referrals.find_referrals(session, current_user.team_id, filters, page, BATCH)
        for referral in found.referrals:
            yield _row(referral, moment)
        if page >= found.pages:
            return
        page += 1


def _row(referral: Referral, moment: datetime) -> list[object]:
    row = row_for(referral, moment)
    return [
        referral.reference,
        referral.team_id,
        referral.channel,
        referral.submitted_at,
        referral.status,
        referral.owner_name,
        referral.urgent,
        referral.time_critical,
        row.name,
        row.age,
        row.justice,
        row.next_date,
        any(consent.withdrawn_at is not None for consent in referral.consents),
        referral.closed_as,
    ]

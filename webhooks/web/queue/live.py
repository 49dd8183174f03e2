"""`GET /queue/rows`: the list's table for the same query string as the page, which the
page's own script (static/queue-live.js) fetches every few seconds and swaps in, so new
referrals appear without a reload.

Not audited: an open page asks every ten seconds, and an entry each time would bury the
trail in polls. Opening the list (`queue.index`) is audited as "list"; this only keeps
that page current.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks.db.engine import db_session
from webhooks.web.listing import ListRequestError
from webhooks.web.queue.acting import now
from webhooks.web.queue.lists import referral_list
from webhooks.web.services import services

bp = Blueprint("live", __name__)
# How often an open list asks for its rows.
POLL_SECONDS = 10


@bp.get("/rows")
@login_required
def rows() -> ResponseReturnValue:
    """The list fragment (the table, its caption and page links), never cached."""
    try:
        listed = referral_list(
            db_session(), current_user.team_id, current_user.actor.key, request.args, now()
        )
    except ListRequestError as error:
        abort(400, str(error))
    response = render_template(
        "queue/_list.html",
        listed=listed,
        args=request.args,
        teams=services().teams,
        now=now(),
        poll_seconds=POLL_SECONDS,
    )
    return response, 200, {"Cache-Control": "no-store"}

"""Talking with the person from the referral page: take the conversation over from the
bot (in hours, on a text channel or the web chat), write to them, and hand it back.
The bot stays silent while it is held, except the safety net."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks.core import takeover
from webhooks.db import work
from webhooks.db.engine import db_session
from webhooks.db.models import Referral
from webhooks.teams import Team
from webhooks.web.queue.acting import audit_here, now, team_referral
from webhooks.web.services import services

bp = Blueprint("talk", __name__)


@bp.post("/<int:referral_id>/takeover")
@login_required
def take_over(referral_id: int) -> ResponseReturnValue:
    """Hold the conversation, or hear who does or why not."""
    referral = team_referral(referral_id)
    refused = takeover.take_over(
        db_session(), referral.conversation, referral, current_user.actor, _team(referral), now()
    )
    return _after(referral, "takeover", refused)


@bp.post("/<int:referral_id>/messages")
@login_required
def write(referral_id: int) -> ResponseReturnValue:
    """A message to the person on their channel; kept first, then sent."""
    referral = team_referral(referral_id)
    text = (request.form.get("text") or "").strip()
    if not text:
        flash("Write the message first.")
        return redirect(url_for("queue.detail", referral_id=referral_id))
    session = db_session()
    sent = takeover.draft(
        session, referral.conversation, current_user.actor, text, _team(referral), now()
    )
    if isinstance(sent, work.Refused):
        return _after(referral, "message", sent)
    session.commit()  # kept before it leaves
    takeover.send(sent, referral.conversation, _team(referral), services().transports)
    audit_here("message", referral, {"message_id": sent.id, "status": sent.status})
    session.commit()
    if sent.status != "sent":
        flash("That message could not be sent. It is kept; try again, or call the person.")
    return redirect(url_for("queue.detail", referral_id=referral_id))


@bp.post("/<int:referral_id>/handback")
@login_required
def hand_back(referral_id: int) -> ResponseReturnValue:
    """The bot answers the person again."""
    referral = team_referral(referral_id)
    refused = takeover.hand_back(
        db_session(),
        referral.conversation,
        referral,
        current_user.actor,
        now(),
        (request.form.get("note") or "").strip() or None,
    )
    return _after(referral, "handback", refused)


def _team(referral: Referral) -> Team:
    team = services().teams.by_id(referral.team_id)
    if team is None:
        abort(404)
    return team


def _after(referral: Referral, action: str, refused: work.Refused | None) -> ResponseReturnValue:
    session = db_session()
    if refused is not None:
        session.rollback()
        flash(
            f"{refused.owner} is talking with the person."
            if refused.owner
            else f"Not done: {refused.reason}."
        )
    else:
        audit_here(action, referral)
        session.commit()
    return redirect(url_for("queue.detail", referral_id=referral.id))

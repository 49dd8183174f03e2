"""`/queue`: referrals waiting for a practitioner, urgent first, scoped to their team."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks import time_critical
from webhooks.core import alerts
from webhooks.db import checks, documents, referrals, risks
from webhooks.db.engine import db_session
from webhooks.db.follow_ups import follow_ups, transcript
from webhooks.db.models import Conversation
from webhooks.web.download import team_download
from webhooks.web.services import services

bp = Blueprint("queue", __name__, url_prefix="/queue")


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The list."""
    session = db_session()
    listed = referrals.list_referrals(session, current_user.team_id)
    waiting = follow_ups(session, current_user.team_id)
    return render_template(
        "queue/index.html", referrals=listed, follow_ups=waiting, teams=services().teams
    )


@bp.get("/conversations/<conversation_id>")
@login_required
def conversation(conversation_id: str) -> ResponseReturnValue:
    """A conversation's transcript, for one with no referral (or to check one)."""
    session = db_session()
    found = session.get(Conversation, conversation_id)
    if found is None or (current_user.team_id and found.team_id != current_user.team_id):
        abort(404)
    messages = transcript(session, conversation_id)
    flags = risks.risk_flags_for(session, conversation_id)
    return render_template(
        "queue/conversation.html", conversation=found, messages=messages, risk_flags=flags
    )


@bp.get("/<int:referral_id>")
@login_required
def detail(referral_id: int) -> ResponseReturnValue:
    """One referral with every answer, as the practitioner reads it."""
    referral = referrals.get_referral(db_session(), referral_id, current_user.team_id)
    if referral is None:
        abort(404)
    flags = risks.risk_flags_for(db_session(), referral.conversation_id)
    return render_template(
        "queue/detail.html",
        referral=referral,
        risk_flags=flags,
        risk_checks=checks.checks_for(db_session(), referral.conversation_id),
        time_critical_labels=time_critical.labels(),
        documents=documents.documents_for(db_session(), referral.conversation_id),
        teams=services().teams,
    )


@bp.get("/<int:referral_id>/documents/<int:document_id>")
@login_required
def document(referral_id: int, document_id: int) -> ResponseReturnValue:
    """One of the referral's documents, downloaded."""
    return team_download(referral_id, document_id, current_user.team_id)


@bp.post("/<int:referral_id>/acknowledge")
@login_required
def acknowledge(referral_id: int) -> ResponseReturnValue:
    """A practitioner has picked up an urgent referral: stop its alerts."""
    session = db_session()
    referral = referrals.get_referral(session, referral_id, current_user.team_id)
    if referral is None:
        abort(404)
    alerts.acknowledge(session, referral, services().now())
    session.commit()
    return redirect(url_for("queue.detail", referral_id=referral_id))

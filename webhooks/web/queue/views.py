"""`/queue`: the team's referrals, most urgent first, a page at a time; each one worked
from its page (claim, release, the steps to a close, notes), every look and step audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks.core import alerts, takeover
from webhooks.db import accounts, checks, documents, risks, work
from webhooks.db.engine import db_session
from webhooks.db.follow_ups import close_follow_up as close_follow_up_record
from webhooks.db.follow_ups import follow_ups, transcript
from webhooks.db.models import Conversation, Referral
from webhooks.web.consent_words import consent_words
from webhooks.web.download import team_download
from webhooks.web.listing import ListRequestError, pathway_names
from webhooks.web.queue import audit_page, export, live, talk
from webhooks.web.queue.acting import audit_here, now, team_referral
from webhooks.web.queue.lists import referral_list
from webhooks.web.queue.reading import marked, reading_of
from webhooks.web.services import services

bp = Blueprint("queue", __name__, url_prefix="/queue")
# Under /queue too, each in its own module: the live rows, the CSV export, the audit,
# talking with the person.
for child in (live.bp, export.bp, audit_page.bp, talk.bp):
    bp.register_blueprint(child)

OUTCOME_WORDS = {
    "referred_on": "Referred on",
    "no_further_action": "No further action",
    "declined": "Declined",
    "unable_to_contact": "Unable to contact",
}


@bp.context_processor
def team_context() -> dict[str, Any]:
    """The practitioner's team, named in every queue page's header."""
    team = services().teams.by_id(current_user.team_id) if current_user.team_id else None
    return {"team": team}


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The list: filtered, a page at a time, with the true total; its rows keep
    themselves current (`live.rows`)."""
    session = db_session()
    try:
        listed = referral_list(
            session, current_user.team_id, current_user.actor.key, request.args, now()
        )
    except ListRequestError as error:
        flash(str(error))
        return redirect(url_for("queue.index"))
    waiting = follow_ups(session, current_user.team_id)
    audit_here("list", None, {"page": listed.found.page, "total": listed.found.total})
    session.commit()
    return render_template(
        "queue/index.html",
        listed=listed,
        filters=listed.filters,
        args=request.args,
        follow_ups=waiting,
        teams=services().teams,
        pathways=pathway_names(current_user.team_id),
        now=now(),
        poll_seconds=live.POLL_SECONDS,
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
    audit_here(
        "view_transcript", detail={"conversation_id": conversation_id}, team_id=found.team_id
    )
    session.commit()
    return render_template(
        "queue/conversation.html", conversation=found, messages=messages, risk_flags=flags
    )


@bp.post("/conversations/<conversation_id>/close")
@login_required
def close_follow_up(conversation_id: str) -> ResponseReturnValue:
    """Someone with no referral has been followed up: off "Also to contact", its duty
    alerts stopped, with who and what was done (the note is the record, so it is needed)."""
    session = db_session()
    found = session.get(Conversation, conversation_id)
    if found is None or (current_user.team_id and found.team_id != current_user.team_id):
        abort(404)
    note = (request.form.get("note") or "").strip()
    if not note:
        flash("Say what was done first.")
        return redirect(url_for("queue.conversation", conversation_id=conversation_id))
    close_follow_up_record(session, found, current_user.actor, now(), note)
    audit_here(
        "close_follow_up", detail={"conversation_id": conversation_id}, team_id=found.team_id
    )
    session.commit()
    return redirect(url_for("queue.index"))


@bp.get("/<int:referral_id>")
@login_required
def detail(referral_id: int) -> ResponseReturnValue:
    """One referral read top to bottom: risk first, then who and how to contact, the
    justice context, consents, scores, every answer by section, documents, the history."""
    session = db_session()
    referral = team_referral(referral_id)
    flags = risks.risk_flags_for(session, referral.conversation_id)
    page = render_template(
        "queue/detail.html",
        referral=referral,
        reading=reading_of(referral),
        consents_asked=consent_words(referral),
        risk_flags=flags,
        flag_words={
            flag.id: marked(flag.message.body, flag.evidence.get("phrases") or []) for flag in flags
        },
        risk_checks=checks.checks_for(session, referral.conversation_id),
        documents=documents.documents_for(session, referral.conversation_id),
        teams=services().teams,
        duty_alerts=risks.alerts_for(session, referral.id),
        alert_state=alerts.alert_state,
        me=current_user.actor.key,
        next_steps=sorted(
            work.NEXT.get(referral.status, frozenset()) - {"new", "claimed"},
            key=work.STATUSES.index,
        ),
        follow_up=next(iter(follow_ups(session, referral.team_id, referral.conversation_id)), None),
        held=takeover.is_held(referral.conversation, now()),
        team_members=accounts.team_practitioners(session, referral.team_id)
        if current_user.is_lead
        else [],
        can_talk=referral.conversation.channel in takeover.WRITABLE,
        outcomes=OUTCOME_WORDS,
        now=now(),
    )
    audit_here("view", referral)
    session.commit()
    return page


@bp.get("/<int:referral_id>/documents/<int:document_id>")
@login_required
def document(referral_id: int, document_id: int) -> ResponseReturnValue:
    """One of the referral's documents, downloaded (audited once it is found and opens)."""
    referral = team_referral(referral_id)
    response = team_download(referral_id, document_id, current_user.team_id)
    if response.status_code == 200:
        audit_here("download", referral, {"document_id": document_id})
    return response


@bp.post("/<int:referral_id>/acknowledge")
@login_required
def acknowledge(referral_id: int) -> ResponseReturnValue:
    """A practitioner has picked up an urgent referral: stop its alerts, and say who."""
    session = db_session()
    referral = team_referral(referral_id)
    moment = now()
    if referral.acknowledged_at is None:
        alerts.acknowledge(session, referral, moment)
    work.record_acknowledged(session, referral, current_user.actor, moment)
    audit_here("acknowledge", referral)
    session.commit()
    return redirect(url_for("queue.detail", referral_id=referral_id))


@bp.post("/<int:referral_id>/claim")
@login_required
def claim(referral_id: int) -> ResponseReturnValue:
    """Own it, or hear who does."""
    referral = team_referral(referral_id)
    return _after(referral, "claim", work.claim(db_session(), referral, current_user.actor, now()))


@bp.post("/claim-next")
@login_required
def claim_next() -> ResponseReturnValue:
    """Own the most urgent, oldest referral nobody owns, and open it."""
    session = db_session()
    team_id = current_user.team_id or request.form.get("team_id", "")
    found = work.claim_next(session, team_id, current_user.actor, now())
    if found is None:
        session.rollback()
        flash("No unclaimed referral is waiting.")
        return redirect(url_for("queue.index"))
    return _after(found, "claim", None)


@bp.post("/<int:referral_id>/release")
@login_required
def release(referral_id: int) -> ResponseReturnValue:
    """Give it back to the team."""
    referral = team_referral(referral_id)
    refused = work.release(db_session(), referral, current_user.actor, now())
    return _after(referral, "release", refused)


@bp.post("/<int:referral_id>/status")
@login_required
def change_status(referral_id: int) -> ResponseReturnValue:
    """The next step (contacted, assessed, closed with an outcome), with an optional note."""
    referral = team_referral(referral_id)
    status = request.form.get("status", "")
    outcome = request.form.get("outcome") or None
    note = request.form.get("note") or None
    refused = work.change_status(
        db_session(), referral, current_user.actor, now(), status, note, outcome
    )
    return _after(referral, "status", refused, {"status": status, "outcome": outcome})


@bp.post("/<int:referral_id>/assign")
@login_required
def assign(referral_id: int) -> ResponseReturnValue:
    """A team lead hands the referral to a practitioner of the team."""
    referral = team_referral(referral_id)  # another team's: 404 before anything else
    if not current_user.is_lead:
        abort(403, description="Only a team lead can reassign a referral.")
    chosen = request.form.get("practitioner_id", "")
    to = next(
        (
            someone
            for someone in accounts.team_practitioners(db_session(), referral.team_id)
            if str(someone.id) == chosen
        ),
        None,
    )
    if to is None:
        flash("Choose someone from the team.")
        return redirect(url_for("queue.detail", referral_id=referral_id))
    refused = work.reassign(
        db_session(), referral, current_user.actor, accounts.practitioner_actor(to), now()
    )
    return _after(referral, "reassign", refused, {"to": to.name})


@bp.post("/<int:referral_id>/notes")
@login_required
def add_note(referral_id: int) -> ResponseReturnValue:
    """A note in the referral's history."""
    referral = team_referral(referral_id)
    note = (request.form.get("note") or "").strip()
    if not note:
        flash("Write the note first.")
        return redirect(url_for("queue.detail", referral_id=referral_id))
    work.add_note(db_session(), referral, current_user.actor, now(), note)
    return _after(referral, "note", None)


def _after(
    referral: Referral,
    action: str,
    refused: work.Refused | None,
    detail: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    session = db_session()
    if refused is not None:
        session.rollback()
        flash(
            f"{refused.owner} has this referral."
            if refused.owner
            else f"Not done: {refused.reason}."
        )
    else:
        audit_here(action, referral, detail)
        session.commit()
    return redirect(url_for("queue.detail", referral_id=referral.id))

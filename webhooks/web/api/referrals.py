"""The referrals API: list (filtered, paged, with a true total), read, and work on them
(claim, claim next, release, status, notes), each call made as a named actor and audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from webhooks.core import takeover
from webhooks.db import accounts, audit, checks, documents, follow_ups, referrals, risks, work
from webhooks.db.engine import db_session, recording
from webhooks.db.models import Conversation, Referral, as_utc
from webhooks.web.api.referral_json import referral_detail, referral_summary
from webhooks.web.download import team_download
from webhooks.web.listing import (
    MAX_PER_PAGE,
    ListRequestError,
    filters_from_args,
    page_from_args,
)
from webhooks.web.services import services

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def require_bearer_token() -> ResponseReturnValue | None:
    """Every API call needs `Authorization: Bearer <token>`; the token decides the team
    and who acts (its name, from `triage token create --name`)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and token.strip():
        found = accounts.live_token(db_session(), token.strip(), services().now())
    if found is None:
        response = jsonify(error="A valid bearer token is required.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if accounts.use_is_news(found, services().now()):
        with recording() as session:
            accounts.note_use(session, found.id, services().now())
    g.api_team_id = found.team_id
    g.api_actor = accounts.token_actor(found)
    return None


@bp.get("/referrals")
def list_referrals() -> ResponseReturnValue:
    """The team's open referrals, in the order work is taken, a page at a time, with the
    true `total`. Filters: status, urgent, time_critical, channel, owner (me, none),
    pathway, incomplete, q (name, reference or phone); `page` and `per_page` (up to 200)."""
    try:
        filters = filters_from_args(request.args, g.api_actor.key, g.api_team_id)
        # 200 a page unless asked: what a client that never pages has always been given.
        page, per_page = page_from_args(request.args, MAX_PER_PAGE)
    except ListRequestError as error:
        return jsonify(error=str(error)), 400
    session = db_session()
    found = referrals.find_referrals(session, g.api_team_id, filters, page, per_page)
    _audit("list", None, {"page": page, "total": found.total})
    session.commit()
    return jsonify(
        referrals=[referral_summary(referral) for referral in found.referrals],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@bp.get("/referrals/<int:referral_id>")
def get_referral(referral_id: int) -> ResponseReturnValue:
    """One referral with every answer; another team's referral is simply not found."""
    referral = _team_referral(referral_id)
    session = db_session()
    flags = risks.risk_flags_for(session, referral.conversation_id)
    files = documents.documents_for(session, referral.conversation_id)
    asked = checks.checks_for(session, referral.conversation_id)
    body = referral_detail(referral, flags, files, asked)
    _audit("view", referral)
    session.commit()
    return jsonify(body)


@bp.post("/referrals/<int:referral_id>/claim")
def claim(referral_id: int) -> ResponseReturnValue:
    """Own it: 200 with the owner, or 409 with who owns it already."""
    referral = _team_referral(referral_id)
    refused = work.claim(db_session(), referral, g.api_actor, services().now())
    return _done(referral, "claim", refused)


@bp.post("/referrals/claim-next")
def claim_next() -> ResponseReturnValue:
    """Own the most urgent, oldest referral nobody owns: 200 with it, 404 if none is left."""
    session = db_session()
    found = work.claim_next(session, g.api_team_id, g.api_actor, services().now())
    if found is None:
        session.rollback()
        return jsonify(error="No unclaimed referral is waiting."), 404
    return _done(found, "claim", None)


@bp.post("/referrals/<int:referral_id>/release")
def release(referral_id: int) -> ResponseReturnValue:
    """Give it back to the team: 409 unless the caller owns it."""
    referral = _team_referral(referral_id)
    refused = work.release(db_session(), referral, g.api_actor, services().now())
    return _done(referral, "release", refused)


@bp.post("/referrals/<int:referral_id>/status")
def change_status(referral_id: int) -> ResponseReturnValue:
    """`{"status": "contacted", "note": "..."}`; closing needs `"outcome"`. 409 for a step
    that does not follow or a referral someone else owns; 422 for a malformed body."""
    referral = _team_referral(referral_id)  # another team's: 404 before anything else
    body = _json_body()
    status, note, outcome = body.get("status"), body.get("note"), body.get("outcome")
    if not isinstance(status, str) or not _optional_text(note) or not _optional_text(outcome):
        return jsonify(error='Send JSON like {"status": "contacted", "note": "..."}.'), 422
    refused = work.change_status(
        db_session(), referral, g.api_actor, services().now(), status, note, outcome
    )
    return _done(referral, "status", refused, {"status": status, "outcome": outcome})


@bp.post("/referrals/<int:referral_id>/notes")
def add_note(referral_id: int) -> ResponseReturnValue:
    """`{"note": "..."}`: a note in the referral's history (201)."""
    referral = _team_referral(referral_id)
    note = _json_body().get("note")
    if not isinstance(note, str) or not note.strip():
        return jsonify(error='Send JSON like {"note": "Left a voicemail"}.'), 422
    work.add_note(db_session(), referral, g.api_actor, services().now(), note)
    response = _done(referral, "note", None)
    response.status_code = 201
    return response


@bp.get("/referrals/<int:referral_id>/documents/<int:document_id>")
def get_document(referral_id: int, document_id: int) -> ResponseReturnValue:
    """One of the referral's documents, as sent (checked, decrypted); audited once it is
    found and opens."""
    referral = _team_referral(referral_id)
    response = team_download(referral_id, document_id, g.api_team_id)
    if response.status_code == 200:
        _audit("download", referral, {"document_id": document_id})
    return response


@bp.post("/referrals/<int:referral_id>/takeover")
def take_over(referral_id: int) -> ResponseReturnValue:
    """Talk with the person yourself (in hours, on a text channel or the web chat): the
    bot stays silent but for the safety net. 409 with who holds it, or why not."""
    referral = _team_referral(referral_id)
    team = services().teams.by_id(referral.team_id)
    if team is None:
        abort(404)
    refused = takeover.take_over(
        db_session(), referral.conversation, referral, g.api_actor, team, services().now()
    )
    return _done(referral, "takeover", refused)


@bp.post("/referrals/<int:referral_id>/messages")
def write_to_person(referral_id: int) -> ResponseReturnValue:
    """`{"text": "..."}`: a message to the person on the channel they used, from the
    practitioner holding the conversation. 201 when Twilio (or the web chat) has it; 502
    when it could not be sent (kept, marked failed)."""
    referral = _team_referral(referral_id)
    text = _json_body().get("text")
    if not isinstance(text, str) or not text.strip():
        return jsonify(error='Send JSON like {"text": "Hello, this is Pat from the team."}.'), 422
    team = services().teams.by_id(referral.team_id)
    if team is None:
        abort(404)
    session = db_session()
    now = services().now()
    sent = takeover.draft(session, referral.conversation, g.api_actor, text.strip(), team, now)
    if isinstance(sent, work.Refused):
        return _done(referral, "message", sent)
    session.commit()  # kept before it leaves: a crash mid-send leaves it "sending"
    takeover.send(sent, referral.conversation, team, services().transports)
    _audit("message", referral, {"message_id": sent.id, "status": sent.status})
    session.commit()
    body = {"message_id": sent.id, "status": sent.status}
    return jsonify(body), 201 if sent.status == "sent" else 502


@bp.post("/referrals/<int:referral_id>/handback")
def hand_back(referral_id: int) -> ResponseReturnValue:
    """`{"note": "..."}` (optional): the bot answers the person again."""
    referral = _team_referral(referral_id)
    note = _json_body().get("note")
    if not _optional_text(note):
        return jsonify(error='Send JSON like {"note": "Booked an appointment"}.'), 422
    refused = takeover.hand_back(
        db_session(), referral.conversation, referral, g.api_actor, services().now(), note
    )
    return _done(referral, "handback", refused)


@bp.get("/follow-ups")
def list_follow_ups() -> ResponseReturnValue:
    """ "Also to contact": people with no referral who showed risk, asked for a call back,
    dropped a call, or wrote while the bot was down; risk first."""
    session = db_session()
    found = follow_ups.follow_ups(session, g.api_team_id)
    _audit("list_follow_ups", None, {"total": len(found)})
    session.commit()
    return jsonify(
        follow_ups=[
            {
                "conversation_id": item.conversation.id,
                "channel": item.conversation.channel,
                "started_at": as_utc(item.conversation.created_at).isoformat(),
                "reasons": list(item.reasons),
            }
            for item in found
        ],
        total=len(found),
    )


@bp.post("/follow-ups/<conversation_id>/close")
def close_follow_up(conversation_id: str) -> ResponseReturnValue:
    """`{"note": "Called back; referred to the GP"}`: followed up, off the list, its
    alerts stopped. The note is required: what was done is the record."""
    session = db_session()
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.team_id != g.api_team_id:
        abort(404)
    note = _json_body().get("note")
    if not isinstance(note, str) or not note.strip():
        return jsonify(error='Send JSON like {"note": "Called back, all well"}.'), 422
    follow_ups.close_follow_up(session, conversation, g.api_actor, services().now(), note)
    audit.record(
        session,
        g.api_actor,
        "close_follow_up",
        services().now(),
        g.api_team_id,
        detail={"conversation_id": conversation_id},
        address=request.remote_addr,
    )
    session.commit()
    return jsonify(conversation_id=conversation_id, followed_up_by=g.api_actor.name)


def _team_referral(referral_id: int) -> Referral:
    referral = referrals.get_referral(db_session(), referral_id, g.api_team_id)
    if referral is None:
        abort(404)
    return referral


def _done(
    referral: Referral,
    action: str,
    refused: work.Refused | None,
    detail: dict[str, Any] | None = None,
) -> Response:
    session = db_session()
    if refused is not None:
        session.rollback()
        response = jsonify(error=refused.reason, owner=refused.owner)
        response.status_code = refused.status_code
        return response
    _audit(action, referral, detail)
    session.commit()
    return jsonify(referral_summary(referral))


def _audit(action: str, referral: Referral | None, detail: dict[str, Any] | None = None) -> None:
    with recording() as session:
        audit.record(
            session,
            g.api_actor,
            action,
            services().now(),
            g.api_team_id,
            referral.id if referral else None,
            detail,
            request.remote_addr,
        )


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _optional_text(value: object) -> bool:
    return value is None or isinstance(value, str)

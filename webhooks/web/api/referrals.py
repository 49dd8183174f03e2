"""`GET /api/referrals` and `GET /api/referrals/<id>`."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from flask.typing import ResponseReturnValue

from webhooks.db import accounts, checks, documents, referrals, risks
from webhooks.db.engine import db_session
from webhooks.web.api.referral_json import referral_detail, referral_summary
from webhooks.web.download import team_download

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def require_bearer_token() -> ResponseReturnValue | None:
    """Every API call needs `Authorization: Bearer <token>`; the token decides the team."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    team_id = None
    if scheme.lower() == "bearer" and token.strip():
        team_id = accounts.team_for_token(db_session(), token.strip())
    if team_id is None:
        response = jsonify(error="A valid bearer token is required.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_team_id = team_id
    return None


@bp.get("/referrals")
def list_referrals() -> ResponseReturnValue:
    """The team's referrals, urgent first; `?status=incomplete` for those stopped part way."""
    status = request.args.get("status") or None
    if status not in (None, "new", "incomplete"):
        return jsonify(error="status must be new or incomplete"), 400
    listed = referrals.list_referrals(db_session(), g.api_team_id, status=status)
    return jsonify(referrals=[referral_summary(referral) for referral in listed])


@bp.get("/referrals/<int:referral_id>")
def get_referral(referral_id: int) -> ResponseReturnValue:
    """One referral with every answer; another team's referral is simply not found."""
    referral = referrals.get_referral(db_session(), referral_id, g.api_team_id)
    if referral is None:
        abort(404)
    session = db_session()
    flags = risks.risk_flags_for(session, referral.conversation_id)
    files = documents.documents_for(session, referral.conversation_id)
    asked = checks.checks_for(session, referral.conversation_id)
    return jsonify(referral_detail(referral, flags, files, asked))


@bp.get("/referrals/<int:referral_id>/documents/<int:document_id>")
def get_document(referral_id: int, document_id: int) -> ResponseReturnValue:
    """One of the referral's documents, as sent (checked, decrypted)."""
    return team_download(referral_id, document_id, g.api_team_id)

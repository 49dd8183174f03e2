"""`/healthz` (the process is alive) and `/readyz` (it can do its job right now)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webhooks.core.rasa_client import action_server_ready
from webhooks.db.engine import db_session
from webhooks.web.services import services

bp = Blueprint("status", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: answers whenever the process does."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: the database, Rasa and the action server all answer."""
    found = services()
    checks = {
        "database": _database_ok(),
        "rasa": found.rasa.is_ready(),
        "action_server": action_server_ready(found.settings.action_server_url),
    }
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return jsonify(body), 200 if ready else 503


def _database_ok() -> bool:
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True

"""`/healthz` (the process is alive), `/readyz` (it can do its job right now) and `/metrics`.

`/metrics` is open on the gateway's port, as is usual for Prometheus: it gives counts,
durations and ages only, never a message, number, name or id (the route label is the
rule, e.g. `/chat/<team_id>/messages`). Keep the port off the internet, or filter the
path at the proxy, if even the counts should stay private.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webhooks.core.rasa_client import action_server_ready
from webhooks.core.spool import SET_ASIDE
from webhooks.db import risks
from webhooks.db.engine import db_session
from webhooks.observability import metrics
from webhooks.observability.backlog import (
    SPOOL_STALE_SECONDS,
    AlertCounts,
    BacklogCollector,
    SpoolState,
    spool_state,
)
from webhooks.web.services import services

bp = Blueprint("status", __name__)
log = logging.getLogger(__name__)
# A pending alert whose last try failed, after this many tries, keeps failing: the
# first tries may meet a brief outage, the third is past 3 minutes of back-off.
FAILING_AFTER_ATTEMPTS = 3
# The spool's folder of files that could not be read (webhooks.core.spool.SET_ASIDE):
# kept for a person, never drained, so reported apart and not held against readiness.


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: answers whenever the process does."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: the database, Rasa and the action server answer, the spool drains, and
    urgent alerts get through. Not ready: 503, with the reasons in plain words."""
    found = services()
    database = _database_ok()
    # Not asked again of a database that did not answer (it could be slow to refuse).
    alerts = _alert_counts() if database else None
    # Done with the database before asking Rasa and the action server, which may be slow.
    _end_reading()
    spool = _spool()
    checks = {
        "database": database,
        "rasa": found.rasa.is_ready(),
        "action_server": action_server_ready(found.settings.action_server_url),
        "spool_draining": spool.draining,
        # Unknown (None) while the database is down; "database" already says not ready.
        # A database that answers but whose alerts cannot be read is not taken on trust.
        "alerts_delivered": None if not database else alerts is not None and alerts.failing == 0,
    }
    reasons = [_REASONS[name] for name, ok in checks.items() if ok is False]
    if database and alerts is None:
        reasons.append("alerts not readable")
    if not spool.draining:
        reasons.append(
            f"oldest spooled item waiting {spool.oldest_age_seconds:.0f} s"
            f" (limit {SPOOL_STALE_SECONDS:.0f} s)"
        )
    body: dict[str, object] = {"status": "not ready" if reasons else "ready", "checks": checks}
    if reasons:
        body["reasons"] = reasons
    return jsonify(body), 503 if reasons else 200


@bp.get("/metrics")
def metrics_view() -> ResponseReturnValue:
    """Prometheus' text exposition: every worker's counts, and the backlog as it is now."""
    content, content_type = metrics.exposition(BacklogCollector(_spool, _alert_counts))
    return Response(content, content_type=content_type)


_REASONS = {
    "database": "database not answering",
    "rasa": "Rasa not answering",
    "action_server": "action server not answering",
    "spool_draining": "spool not draining",
    "alerts_delivered": "urgent alerts failing",
}


def _spool() -> SpoolState:
    return spool_state(services().settings.spool_dir, set_aside=SET_ASIDE)


def _end_reading() -> None:
    try:
        db_session().rollback()
    except SQLAlchemyError as error:
        log.warning("database unavailable: %s", type(error).__name__)


def _database_ok() -> bool:
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _alert_counts() -> AlertCounts | None:
    """Alerts by state, or None when the database cannot be read.

    Failing means a duty practitioner may not know of an urgent referral: its referral is
    not acknowledged, and its alert was given up on (`failed`) or is still pending with
    the last of FAILING_AFTER_ATTEMPTS or more tries failed (a sent alert clears
    `last_error`). Once the referral is acknowledged the alert no longer counts.
    """
    try:
        pending, failed, failing_count = risks.alert_counts(db_session(), FAILING_AFTER_ATTEMPTS)
    except SQLAlchemyError as error:
        log.warning("alerts not readable: %s", type(error).__name__)
        return None
    return AlertCounts(pending=pending, failed=failed, failing=failing_count)

"""`POST /twilio/alert-status`: Twilio's status callback for the SMS alerts it was given.

An alert to the duty practitioner counts as delivered only when Twilio says so; one it
reports undelivered goes again at once and shows as not delivered in the queue.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from webhooks.core.alerts import STATUS_ROUTE, record_delivery
from webhooks.db.engine import db_session
from webhooks.twilio.signature import validate_twilio_request
from webhooks.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("alert_status", __name__)


@bp.post(STATUS_ROUTE)
@validate_twilio_request
def alert_status() -> Response:
    """Record what Twilio says became of one SMS alert."""
    sid = request.form.get("MessageSid", "").strip()
    status = request.form.get("MessageStatus", "").strip().lower()
    if not sid or not status:
        return Response("MessageSid and MessageStatus are required", 400, mimetype="text/plain")
    session = db_session()
    alert = record_delivery(
        session, sid, status, request.form.get("ErrorCode") or None, services().now()
    )
    session.commit()
    if alert is None:
        # An earlier try's SID, or a message that was not an alert: nothing to change.
        log.info("a status callback for a message that is not a current alert")
    # Twilio wants a 2xx and reads nothing from the body.
    return Response(status=204)

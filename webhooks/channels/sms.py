"""`POST /twilio/sms`: Twilio's Messaging webhook for SMS and WhatsApp."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from webhooks.channels.sms_render import messaging_twiml
from webhooks.channels.twilio_request import BadTwilioRequest, parse_incoming_message
from webhooks.channels.twilio_signature import validate_twilio_request
from webhooks.conversation_types import Inbound, Reply
from webhooks.services import services, turn_handler

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)


@bp.post("/twilio/sms")
@validate_twilio_request
def incoming_message() -> Response:
    """Answer one text message with TwiML."""
    found = services()
    try:
        message = parse_incoming_message(request.form)
    except BadTwilioRequest as error:
        log.warning("unusable messaging webhook: %s", error)
        return Response("Bad request", status=400, mimetype="text/plain")
    team = found.teams.by_number(message.to_number)
    if team is None:
        log.warning("message to a number no team uses")
        replies = [Reply(found.wording.say("unknown_number"))]
    else:
        replies = turn_handler().handle(
            Inbound(
                team=team,
                channel=message.channel,
                contact_key=message.from_number,
                text=message.body,
                external_id=message.message_sid,
            )
        )
    return Response(messaging_twiml(replies, found.wording), mimetype="text/xml")

"""`POST /twilio/sms`: Twilio's Messaging webhook for SMS and WhatsApp.

Parse, hand to the conversation core, render TwiML: nothing else happens here.
"""

from __future__ import annotations

from flask import Blueprint, Response

from webhooks.core.documents import Attachments
from webhooks.core.replies import Inbound, Reply
from webhooks.teams import Team
from webhooks.twilio.request import IncomingMessage, parse_incoming_message
from webhooks.web.channels.sms_render import messaging_twiml
from webhooks.web.channels.twilio_webhook import twilio_webhook
from webhooks.web.services import conversation_core, services

bp = Blueprint("sms", __name__)


def _to_no_team() -> Response:
    return _twiml([Reply(services().wording.say("unknown_number"))])


@bp.post("/twilio/sms")
@twilio_webhook(parse_incoming_message, no_team=_to_no_team)
def incoming_message(message: IncomingMessage, team: Team) -> Response:
    """Answer one text message with TwiML."""
    inbound = Inbound(
        team=team,
        channel=message.channel,
        contact_key=message.from_number,
        text=message.body,
        external_id=message.message_sid,
    )
    attachments = None
    if message.media:
        media, fetcher = list(message.media), services().media
        attachments = Attachments(
            labels=tuple(item.label for item in media), fetch=lambda: fetcher.fetch_all(media)
        )
    return _twiml(conversation_core().text_message(inbound, attachments))


def _twiml(replies: list[Reply]) -> Response:
    return Response(messaging_twiml(replies, services().wording), mimetype="text/xml")

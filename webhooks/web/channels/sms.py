"""`POST /twilio/sms`: Twilio's Messaging webhook for SMS and WhatsApp."""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from flows.controls import normalise
from webhooks.core.documents import acknowledgement, take_files
from webhooks.core.replies import Inbound, Reply
from webhooks.db import conversations, opt_outs
from webhooks.db.engine import db_session
from webhooks.teams import Team
from webhooks.twilio.request import (
    BadTwilioRequest,
    IncomingMessage,
    parse_incoming_message,
)
from webhooks.twilio.signature import validate_twilio_request
from webhooks.web.channels.sms_render import messaging_twiml
from webhooks.web.services import services, turn_handler

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)
# Twilio's standard keywords: the carrier-level meaning people expect.
OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
OPT_IN = {"start", "unstop"}
HELP = {"help", "info"}


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
        replies = _answer(message, team)
    return Response(messaging_twiml(replies, found.wording), mimetype="text/xml")


def _answer(message: IncomingMessage, team: Team) -> list[Reply]:
    found, session = services(), db_session()
    keyword = normalise(message.body)
    text = message.body or f"[{len(message.media)} attachment(s)]"
    inbound = Inbound(
        team=team,
        channel=message.channel,
        contact_key=message.from_number,
        text=text,
        external_id=message.message_sid,
        acknowledgements=_take_media(message, team) if message.media else (),
    )
    try:
        opted_out = opt_outs.is_opted_out(session, team.id, message.channel, message.from_number)
    except SQLAlchemyError:
        # With the database down, answering is the safe choice; Twilio's own opt-out
        # handling still stops messages to a number that texted STOP.
        session.rollback()
        opted_out = False
    if keyword in OPT_OUT:
        # The control ends any open referral in Rasa; the number is then left alone.
        replies = turn_handler().handle(inbound)
        _record_opt_out(team, message, True)
        return [*replies, Reply(found.wording.say("sms_opted_out"))]
    if keyword in OPT_IN:
        _record_opt_out(team, message, False)
        replies = turn_handler().handle(_not_for_rasa(inbound))
        return [*replies, Reply(found.wording.say("sms_opted_in"))]
    if keyword in HELP:
        replies = turn_handler().handle(_not_for_rasa(inbound))
        return [*replies, Reply(found.wording.say_for(team, "sms_help"))]
    if opted_out:
        # Kept and checked for risk, but not answered: the person asked for no messages
        # (a risk message still gets the crisis contacts).
        return turn_handler().handle(replace(inbound, to_rasa=False, acknowledgements=()))
    if not message.body:
        # Only files: each is acknowledged; the question in hand stays open.
        return turn_handler().handle(_not_for_rasa(inbound))
    return turn_handler().handle(inbound)


def _take_media(message: IncomingMessage, team: Team) -> tuple[Reply, ...]:
    """Fetch, check and store the message's files; what to tell the person of each."""
    found, session = services(), db_session()
    try:
        if conversations.message_by_external_id(session, message.message_sid) is not None:
            return ()  # a retried delivery: answered as the first time, stored once
    except SQLAlchemyError:
        session.rollback()  # take_files finds the database down and says so per file
    outcomes = take_files(
        session,
        team.id,
        message.channel,
        message.from_number,
        found.media.fetch_all(list(message.media)),
        found.documents,
        found.now(),
    )
    return tuple(acknowledgement(outcome, team, found.wording) for outcome in outcomes)


def _record_opt_out(team: Team, message: IncomingMessage, opted_out: bool) -> None:
    session = db_session()
    try:
        opt_outs.set_opted_out(
            session, team.id, message.channel, message.from_number, opted_out, services().now()
        )
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.error("opt-out not recorded: %s", type(error).__name__)


def _not_for_rasa(inbound: Inbound) -> Inbound:
    return replace(inbound, to_rasa=False)

"""Twilio Voice: `POST /twilio/voice` when a call comes in, then the URLs its TwiML names.

The conversation key is the CallSid (two calls, or two withheld numbers, never share a
conversation). A caller who rings again within 24 hours from the same number carries on
where the last call stopped.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, Response, request, url_for
from sqlalchemy.orm import Session

from flows.controls import normalise
from webhooks.core.alerts import TransportError
from webhooks.core.calls import keep_what_was_answered
from webhooks.core.replies import Inbound, Reply
from webhooks.db import conversations, referrals
from webhooks.db.engine import db_session
from webhooks.db.models import Conversation
from webhooks.teams import Team
from webhooks.twilio.request import (
    BadTwilioRequest,
    IncomingCall,
    parse_incoming_call,
)
from webhooks.twilio.signature import validate_twilio_request
from webhooks.web.channels.voice_render import (
    ask,
    goodbye,
    offer_connection,
    offer_other_ways,
    put_through,
    twiml,
)
from webhooks.web.services import services, turn_handler

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
RESUME_WITHIN = timedelta(hours=24)
REPEAT_WORDS = {"repeat", "say that again", "again", "pardon", "sorry", "what", "star"}
TEXT_WORDS = {"1", "text", "text message", "by text", "a text"}
YES_WORDS = {"1", "yes", "yeah", "yes please", "please"}
# Said anywhere in what the caller says ("can I talk to a person?"), or 0 on the keypad.
PERSON_PHRASES = (
    "talk to a person",
    "speak to a person",
    "speak to someone",
    "talk to someone",
    "real person",
    "operator",
    "a human",
)
CALL_ENDED = {"completed", "no-answer", "busy", "failed", "canceled"}
MAX_SILENCES = 2


def _call_and_team() -> tuple[IncomingCall, Team] | Response:
    try:
        call = parse_incoming_call(request.form)
    except BadTwilioRequest as error:
        log.warning("unusable voice webhook: %s", error)
        return Response("Bad request", status=400, mimetype="text/plain")
    team = services().teams.by_number(call.to_number)
    if team is None:
        log.warning("call to a number no team uses")
        return twiml(goodbye(services().wording.say("unknown_number")))
    return call, team


def _answer_url(attempt: int = 0) -> str:
    return url_for("voice.answer", attempt=attempt)


def _last_question(session: Session, conversation: Conversation) -> list[Reply]:
    last = conversations.last_bot_question(session, conversation.id)
    if last is None:
        return [Reply(services().wording.say("voice_goodbye"), ends_conversation=True)]
    return [Reply(last.body, tuple((last.options or {}).get("labels", ())))]


@bp.post("/twilio/voice")
@validate_twilio_request
def incoming_call() -> Response:
    """A call comes in: greet (or welcome back) and ask the first question."""
    parsed = _call_and_team()
    if isinstance(parsed, Response):
        return parsed
    call, team = parsed
    session, found = db_session(), services()
    earlier = None
    if call.from_number:
        earlier = conversations.recent_unfinished_call(
            session, team.id, call.from_number, found.now() - RESUME_WITHIN
        )
    if earlier is not None:
        # The same conversation (and Rasa's memory of it) now answers to this call.
        earlier.contact_key = call.call_sid
        earlier.interrupted_at = None
        session.commit()
        replies = [
            Reply(found.wording.say("voice_welcome_back")),
            *_last_question(session, earlier),
        ]
        return twiml(ask(replies, found.wording, _answer_url()))
    conversation = conversations.find_or_open_conversation(session, team.id, "voice", call.call_sid)
    conversation.phone = call.from_number
    session.commit()
    replies = turn_handler().handle(
        Inbound(
            team=team,
            channel="voice",
            contact_key=call.call_sid,
            text="[call started]",
            rasa_override="/greet",
        )
    )
    return twiml(ask(replies, found.wording, _answer_url()))


@bp.post("/twilio/voice/answer")
@validate_twilio_request
def answer() -> Response:
    """What the caller said or keyed: the next question, a repeat, or a re-prompt."""
    parsed = _call_and_team()
    if isinstance(parsed, Response):
        return parsed
    call, team = parsed
    session, wording = db_session(), services().wording
    conversation = conversations.find_conversation(session, team.id, "voice", call.call_sid)
    if conversation is None:
        return incoming_call()
    heard = call.digits or call.speech
    attempt = request.args.get("attempt", default=0, type=int)
    if heard == "*" or normalise(heard) in REPEAT_WORDS:
        return twiml(ask(_last_question(session, conversation), wording, _answer_url()))
    if not heard:
        if attempt >= MAX_SILENCES:
            return twiml(offer_other_ways(wording, url_for("voice.other_ways")))
        nudge = wording.say(f"voice_silence_{attempt + 1}")
        question = _last_question(session, conversation)
        return twiml(ask(question, wording, _answer_url(attempt + 1), before=[nudge]))
    if call.digits == "0" or any(phrase in normalise(heard) for phrase in PERSON_PHRASES):
        return _put_through_to_a_person(team)
    if call.digits and not call.speech and _asks_for_words(session, conversation):
        # A name or an address cannot be keyed: offer to type it in a text message instead,
        # so a caller who cannot or would rather not speak can still finish the referral.
        action = url_for("voice.other_ways")
        return twiml(offer_other_ways(wording, action, why="voice_needs_words"))
    replies = turn_handler().handle(
        Inbound(team=team, channel="voice", contact_key=call.call_sid, text=heard)
    )
    if any(reply.crisis for reply in replies) and team.crisis_line.dialable:
        # The question is asked again if the caller chooses to carry on here.
        offer = wording.say("voice_connect_offer", crisis_name=team.crisis_line.name)
        return twiml(offer_connection(replies[:-1], wording, offer, url_for("voice.connect")))
    return twiml(ask(replies, wording, _answer_url()))


@bp.post("/twilio/voice/connect")
@validate_twilio_request
def connect() -> Response:
    """After crisis contacts: put the caller through to the crisis line, or carry on."""
    parsed = _call_and_team()
    if isinstance(parsed, Response):
        return parsed
    call, team = parsed
    session, wording = db_session(), services().wording
    if normalise(call.digits or call.speech) in YES_WORDS:
        text = wording.say("voice_connecting_crisis", crisis_name=team.crisis_line.name)
        return twiml(put_through(text, team.crisis_line.number))
    conversation = conversations.find_conversation(session, team.id, "voice", call.call_sid)
    if conversation is None:
        return twiml(goodbye(wording.say("voice_goodbye")))
    return twiml(ask(_last_question(session, conversation), wording, _answer_url()))


def _put_through_to_a_person(team: Team) -> Response:
    """The team in hours; out of hours the crisis line; else say who to call."""
    found = services()
    if team.duty.phone and team.hours.is_open(found.now()):
        return twiml(put_through(found.wording.say("voice_connecting_team"), team.duty.phone))
    if team.crisis_line.dialable:
        text = found.wording.say("voice_connecting_crisis", crisis_name=team.crisis_line.name)
        return twiml(put_through(text, team.crisis_line.number))
    return twiml(goodbye(found.wording.say_for(team, "voice_cannot_connect")))


@bp.post("/twilio/voice/other-ways")
@validate_twilio_request
def other_ways() -> Response:
    """After long silence: carry on by text message, or leave it for a call back."""
    parsed = _call_and_team()
    if isinstance(parsed, Response):
        return parsed
    call, team = parsed
    session, found = db_session(), services()
    conversation = conversations.find_conversation(session, team.id, "voice", call.call_sid)
    if conversation is None:
        return twiml(goodbye(found.wording.say("voice_goodbye")))
    choice = normalise(call.digits or call.speech)
    if call.digits == "*" or choice in REPEAT_WORDS:
        return twiml(ask(_last_question(session, conversation), found.wording, _answer_url()))
    if choice in TEXT_WORDS and _continue_by_text(conversation, team):
        session.commit()
        return twiml(goodbye(found.wording.say("voice_text_sent")))
    conversation.callback_requested = True
    session.commit()
    key = "voice_callback" if conversation.phone else "voice_callback_withheld"
    return twiml(goodbye(found.wording.say(key)))


def _asks_for_words(session: Session, conversation: Conversation) -> bool:
    """Whether the open question is one only words can answer (a name, an address)."""
    last = conversations.last_bot_question(session, conversation.id)
    # After an aside the question comes again at the end of "When you are ready, ...".
    return last is not None and any(last.body.endswith(w) for w in services().needs_words)


def _continue_by_text(conversation: Conversation, team: Team) -> bool:
    """Text the caller the open question; their replies then continue this conversation."""
    found = services()
    phone = conversation.phone
    if phone is None:
        return False
    question = " ".join(reply.text for reply in _last_question(db_session(), conversation))
    text = found.wording.say("voice_continue_by_text", question=question)
    try:
        found.transports.send_sms(phone, team.numbers[0], text)
    except TransportError as error:
        log.warning("could not text a caller to carry on: %s", error.reason)
        return False
    conversation.channel = "sms"
    conversation.contact_key = phone
    conversation.updated_at = found.now()
    return True


@bp.post("/twilio/voice/status")
@validate_twilio_request
def status() -> Response:
    """Call status callback: a call that ended before its referral was sent is marked."""
    try:
        call = parse_incoming_call(request.form)
    except BadTwilioRequest:
        return Response(status=204)
    if call.call_status in CALL_ENDED:
        session = db_session()
        team = services().teams.by_number(call.to_number)
        conversation = (
            conversations.find_conversation(session, team.id, "voice", call.call_sid)
            if team
            else None
        )
        if conversation is not None and not referrals.has_referral(session, conversation.id):
            conversation.interrupted_at = services().now()
            session.commit()
            if team is not None:
                keep_what_was_answered(conversation, team)
    # Status callbacks always get a plain success: Twilio cannot act on an error here.
    return Response(status=204)

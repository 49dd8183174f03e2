"""Twilio Voice: `POST /twilio/voice` when a call comes in, then the URLs its TwiML names.

This module reads what the caller said or keyed and renders TwiML; the conversation
core keeps the call (see `webhooks/core/calls.py`). With the database down, each route
still answers: the crisis contacts, and an offer to put the caller through.
"""

from __future__ import annotations

import contextlib
import functools

from flask import Blueprint, Response, request, url_for

from flows.controls import normalise
from webhooks.core.degraded_call import DatabaseDown, line_of, line_to_offer
from webhooks.core.replies import Inbound, Reply
from webhooks.teams import Team
from webhooks.twilio.request import IncomingCall, parse_incoming_call
from webhooks.web.channels.twilio_webhook import TwilioView, twilio_webhook
from webhooks.web.channels.voice_render import (
    ask,
    goodbye,
    offer_connection,
    offer_other_ways,
    offer_put_through,
    put_through,
    spoken,
    twiml,
)
from webhooks.web.services import conversation_core, services

bp = Blueprint("voice", __name__)
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
# Keys that steer the call rather than answer it: not kept as a message.
STEERING_KEYS = {"*", "0"}


def _to_no_team() -> Response:
    return twiml(goodbye(services().wording.say("unknown_number")))


def _no_content() -> Response:
    # Status callbacks always get a plain success: Twilio cannot act on an error here.
    return Response(status=204)


def _answer_url(attempt: int = 0) -> str:
    return url_for("voice.answer", attempt=attempt)


def _goodbye() -> Response:
    return twiml(goodbye(services().wording.say("voice_goodbye")))


def _without_database(team: Team, crisis: list[Reply] | None = None) -> Response:
    """The database is down: any crisis replies, the contacts, and a line to be put
    through to (the team's in hours, else the crisis line), or the contacts again."""
    found = services()
    wording = found.wording
    before = [spoken(reply, wording) for reply in crisis or []]
    before.append(wording.say_for(team, "voice_database_down"))
    line = line_to_offer(team, found.now(), crisis=bool(crisis))
    if line is None:
        return twiml(goodbye(*before, wording.say_for(team, "voice_contacts_again")))
    offer = wording.say(f"voice_put_through_offer_{line.kind}", crisis_name=team.crisis_line.name)
    return twiml(offer_put_through(before, offer, url_for("voice.put_through_to", to=line.kind)))


def _answered_without_database(view: TwilioView[IncomingCall]) -> TwilioView[IncomingCall]:
    """Wrap a voice view: with the database down, the caller still hears who can help."""

    @functools.wraps(view)
    def wrapper(call: IncomingCall, team: Team) -> Response:
        try:
            return view(call, team)
        except DatabaseDown:
            return _without_database(team)

    return wrapper


@bp.post("/twilio/voice")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
@_answered_without_database
def incoming_call(call: IncomingCall, team: Team) -> Response:
    """A call comes in: greet (or welcome back) and ask the first question."""
    return _start(call, team)


def _start(call: IncomingCall, team: Team) -> Response:
    replies = conversation_core().start_call(team, call.call_sid, call.from_number)
    return twiml(ask(replies, services().wording, _answer_url()))


@bp.post("/twilio/voice/answer")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
@_answered_without_database
def answer(call: IncomingCall, team: Team) -> Response:
    """What the caller said or keyed: the next question, a repeat, or a re-prompt."""
    core, wording = conversation_core(), services().wording
    try:
        question = core.open_question(team, call.call_sid)
    except DatabaseDown:
        return _answer_without_database(call, team)
    if question is None:
        return _start(call, team)
    heard = call.digits or call.speech
    attempt = request.args.get("attempt", default=0, type=int)
    if heard == "*" or normalise(heard) in REPEAT_WORDS:
        return twiml(ask(question, wording, _answer_url()))
    if not heard:
        if attempt >= MAX_SILENCES:
            return twiml(offer_other_ways(wording, url_for("voice.other_ways")))
        nudge = wording.say(f"voice_silence_{attempt + 1}")
        return twiml(ask(question, wording, _answer_url(attempt + 1), before=[nudge]))
    if call.digits == "0" or any(phrase in normalise(heard) for phrase in PERSON_PHRASES):
        return _put_through_to_a_person(team)
    if call.digits and not call.speech and core.open_question_needs_words(team, call.call_sid):
        # A name or an address cannot be keyed: offer to type it in a text message instead,
        # so a caller who cannot or would rather not speak can still finish the referral.
        action = url_for("voice.other_ways")
        return twiml(offer_other_ways(wording, action, why="voice_needs_words"))
    replies = core.turn(Inbound(team=team, channel="voice", contact_key=call.call_sid, text=heard))
    if any(reply.crisis for reply in replies) and team.crisis_line.dialable:
        # The question is asked again if the caller chooses to carry on here.
        offer = wording.say("voice_connect_offer", crisis_name=team.crisis_line.name)
        return twiml(offer_connection(replies[:-1], wording, offer, url_for("voice.connect")))
    return twiml(ask(replies, wording, _answer_url()))


def _answer_without_database(call: IncomingCall, team: Team) -> Response:
    """What the caller said still goes through a turn: the safety net hears it, and the
    turn keeps the words on disk until the database is back."""
    heard = call.digits or call.speech
    crisis: list[Reply] = []
    if heard and heard not in STEERING_KEYS:
        inbound = Inbound(team=team, channel="voice", contact_key=call.call_sid, text=heard)
        crisis = [reply for reply in conversation_core().turn(inbound) if reply.crisis]
    return _without_database(team, crisis)


@bp.post("/twilio/voice/connect")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
@_answered_without_database
def connect(call: IncomingCall, team: Team) -> Response:
    """After crisis contacts: put the caller through to the crisis line, or carry on."""
    wording = services().wording
    if normalise(call.digits or call.speech) in YES_WORDS:
        text = wording.say("voice_connecting_crisis", crisis_name=team.crisis_line.name)
        return twiml(put_through(text, team.crisis_line.number, action=url_for("voice.after_dial")))
    question = conversation_core().open_question(team, call.call_sid)
    if question is None:
        return _goodbye()
    return twiml(ask(question, wording, _answer_url()))


def _put_through_to_a_person(team: Team) -> Response:
    """The team in hours; out of hours the crisis line; else say who to call."""
    found = services()
    if team.duty.phone and team.hours.is_open(found.now()):
        return twiml(
            put_through(
                found.wording.say("voice_connecting_team"),
                team.duty.phone,
                action=url_for("voice.after_dial"),
            )
        )
    if team.crisis_line.dialable:
        text = found.wording.say("voice_connecting_crisis", crisis_name=team.crisis_line.name)
        return twiml(put_through(text, team.crisis_line.number, action=url_for("voice.after_dial")))
    return twiml(goodbye(found.wording.say_for(team, "voice_cannot_connect")))


@bp.post("/twilio/voice/other-ways")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
@_answered_without_database
def other_ways(call: IncomingCall, team: Team) -> Response:
    """After long silence: carry on by text message, or leave it for a call back."""
    core, wording = conversation_core(), services().wording
    question = core.open_question(team, call.call_sid)
    if question is None:
        return _goodbye()
    choice = normalise(call.digits or call.speech)
    if call.digits == "*" or choice in REPEAT_WORDS:
        return twiml(ask(question, wording, _answer_url()))
    if choice in TEXT_WORDS and core.continue_by_text(team, call.call_sid):
        return twiml(goodbye(wording.say("voice_text_sent")))
    number_known = core.request_call_back(team, call.call_sid)
    return twiml(
        goodbye(wording.say("voice_callback" if number_known else "voice_callback_withheld"))
    )


@bp.post("/twilio/voice/status")
@twilio_webhook(parse_incoming_call, no_team=_no_content, bad_request=_no_content)
def status(call: IncomingCall, team: Team) -> Response:
    """Call status callback: a call that ended before its referral was sent is marked."""
    if call.call_status in CALL_ENDED:
        # The core logs the cause of a DatabaseDown; without the database nothing can be kept.
        with contextlib.suppress(DatabaseDown):
            conversation_core().call_ended(team, call.call_sid)
    return _no_content()


@bp.post("/twilio/voice/put-through")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
def put_through_to(call: IncomingCall, team: Team) -> Response:
    """After the offer made without the database: dial the line offered (`to`), or not.

    Nothing here reads the database, and a line that does not answer comes back to us.
    """
    found = services()
    line = line_of(team, request.args.get("to", ""), found.now())
    if line is None or normalise(call.digits or call.speech) not in YES_WORDS:
        return _contacts_again(team)
    if line.kind == "team":
        text = found.wording.say("voice_connecting_team")
    else:
        text = found.wording.say("voice_connecting_crisis", crisis_name=team.crisis_line.name)
    return twiml(put_through(text, line.number, action=url_for("voice.after_dial")))


@bp.post("/twilio/voice/after-dial")
@twilio_webhook(parse_incoming_call, no_team=_to_no_team)
def after_dial(call: IncomingCall, team: Team) -> Response:
    """The line we put the caller through to was busy, did not answer, or has ended."""
    return _contacts_again(team)


def _contacts_again(team: Team) -> Response:
    return twiml(goodbye(services().wording.say_for(team, "voice_contacts_again")))

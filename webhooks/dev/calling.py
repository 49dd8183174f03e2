"""One person ringing to make a whole referral through the gateway, every turn timed.

The caller says each answer aloud (Twilio posts its transcript), from the same demo answers
the person texting gives. A turn is the gateway's answer to one thing said: the time from
Twilio's request to the end of the TwiML, including any redirect Twilio would follow, which
is the server time a caller waits through in silence. Used by `triage bench --channel
voice|mixed`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from functools import partial
from xml.etree import ElementTree

import requests

from webhooks.dev.scripted import Respondent, UnknownQuestion, ended
from webhooks.dev.simulator import SimulatorError, VoiceSimulator
from webhooks.dev.texting import (
    ANSWERED,
    CANNOT_ANSWER,
    ERROR,
    Patience,
    SignatureRefused,
    Target,
    Turn,
    Walk,
    cannot_answer,
    reference_in,
)

# What a turn is called when nothing is said: the call connecting, or the caller silent.
CALL_CONNECTS = "(the call connects)"
SILENCE = "(silence)"


def caller(url: str, auth_token: str, sender: str, target: Target) -> VoiceSimulator:
    """A signed call from this number to the team's number."""
    return VoiceSimulator(url, auth_token, sender, target.number)


def _timed(said: str, action: Callable[[], list[str]]) -> tuple[Turn, list[str]]:
    started = time.perf_counter()
    try:
        heard: list[str] | None = action()
    except SimulatorError as error:
        if "HTTP 403" in str(error):
            raise SignatureRefused("the gateway refused the signature (HTTP 403)") from error
        heard = None
    except (requests.RequestException, ElementTree.ParseError):
        heard = None
    ms = (time.perf_counter() - started) * 1000
    # A call turn has no message id: its messages are not in the ledger, its referral is.
    if heard is None:
        return Turn(said, None, ms, ERROR), []
    outcome = CANNOT_ANSWER if any(cannot_answer(line) for line in heard) else ANSWERED
    return Turn(said, None, ms, outcome, len(heard)), heard


def call_through(phone: VoiceSimulator, walk: Walk, person: Respondent, patience: Patience) -> Walk:
    """Answer aloud until the call ends or patience runs out; hang up; return the walk."""
    turn, heard = _timed(CALL_CONNECTS, phone.call)
    walk.turns.append(turn)
    stuck_since: float | None = None
    try:
        while len(walk.turns) < patience.max_turns:
            walk.reference = reference_in(heard) or walk.reference
            if phone.ended or ended(heard):
                walk.ended = True
                return walk
            try:
                _question, text = person.reply_to(heard)
                stuck_since = None
            except UnknownQuestion:
                # Nothing to answer: say nothing, and the call asks again, for a while.
                stuck_since = stuck_since or time.monotonic()
                if time.monotonic() - stuck_since >= patience.give_up_seconds:
                    return walk
                time.sleep(patience.pause_seconds)
                turn, heard = _timed(SILENCE, phone.silence)
                walk.turns.append(turn)
                continue
            if patience.think_seconds:
                time.sleep(patience.think_seconds)
            turn, heard = _timed(text, partial(phone.say, text))
            walk.turns.append(turn)
        return walk
    finally:
        if not phone.ended:
            # A dropped call is how a real one ends too; nothing to do if it fails.
            with contextlib.suppress(SimulatorError, requests.RequestException):
                phone.hang_up()

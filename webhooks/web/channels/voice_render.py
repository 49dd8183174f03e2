"""Render the bot's replies as TwiML for a call, only through the SDK's builders."""

from __future__ import annotations

from flask import Response
from twilio.twiml.voice_response import Gather, VoiceResponse

from webhooks.core.replies import Reply
from webhooks.wording import Wording

VOICE = "Polly.Amy"  # a British English voice
LANGUAGE = "en-GB"
# Seconds of silence before Twilio posts an empty answer.
GATHER_TIMEOUT = 6
# Seconds a line we put the caller through to may ring before the call comes back to us
# (below the 30 s after which many voicemails pick up).
DIAL_TIMEOUT = 25


def twiml(response: VoiceResponse) -> Response:
    """The one way TwiML leaves the app."""
    return Response(str(response), mimetype="text/xml")


def say(node: VoiceResponse | Gather, text: str) -> None:
    """Speak text in the British voice."""
    node.say(text, voice=VOICE, language=LANGUAGE)


def spoken(reply: Reply, wording: Wording) -> str:
    """A reply as it is said: options become "say yes or press 1"."""
    if not reply.options:
        return reply.text
    choices = ", ".join(
        wording.say("voice_choice", label=label.lower(), number=str(number))
        for number, label in enumerate(reply.options, start=1)
    )
    options = wording.say("voice_options", choices=choices)
    return f"{reply.text} {options[:1].upper()}{options[1:]}"


def ask(
    replies: list[Reply], wording: Wording, action: str, before: list[str] | None = None
) -> VoiceResponse:
    """Say the replies, and listen (speech or keypad) after the last one.

    The caller can speak over the question (barge-in); silence still posts to `action`,
    so the app decides what to do about it.
    """
    response = VoiceResponse()
    for text in before or []:
        say(response, text)
    for reply in replies[:-1]:
        say(response, spoken(reply, wording))
    last = replies[-1]
    if any(reply.ends_conversation for reply in replies):
        say(response, spoken(last, wording))
        say(response, wording.say("voice_goodbye"))
        response.hangup()
        return response
    hints = ", ".join(option.lower() for option in last.options) or None
    response.append(_listen(spoken(last, wording), action, hints, speech_timeout="auto"))
    return response


def _listen(prompt: str, action: str, hints: str | None, **extra: object) -> Gather:
    """A prompt that listens for speech or keys; silence still posts to `action`."""
    gather = Gather(
        input="speech dtmf",
        action=action,
        method="POST",
        language=LANGUAGE,
        timeout=GATHER_TIMEOUT,
        action_on_empty_result=True,
        hints=hints,
        **extra,
    )
    say(gather, prompt)
    return gather


def offer_other_ways(wording: Wording, action: str, why: str = "voice_offer") -> VoiceResponse:
    """Carry on by text message (1) or ask for a call back (2): after silence twice
    (`voice_offer`), or keys pressed where only words can answer (`voice_needs_words`)."""
    response = VoiceResponse()
    response.append(_listen(wording.say(why), action, "text, call back", num_digits=1))
    return response


def goodbye(text: str, *more: str) -> VoiceResponse:
    """Say something (or several things), then hang up."""
    response = VoiceResponse()
    for each in (text, *more):
        say(response, each)
    response.hangup()
    return response


def offer_connection(
    replies: list[Reply], wording: Wording, offer: str, action: str
) -> VoiceResponse:
    """After crisis contacts: offer to put the caller through now (1), or carry on (2)."""
    response = VoiceResponse()
    for reply in replies:
        say(response, spoken(reply, wording))
    response.append(_listen(offer, action, "yes, no", num_digits=1))
    return response


def offer_put_through(before: list[str], offer: str, action: str) -> VoiceResponse:
    """Say each text, then offer to put the caller through (1 or yes); silence posts too."""
    response = VoiceResponse()
    for text in before:
        say(response, text)
    response.append(_listen(offer, action, "yes", num_digits=1))
    return response


def put_through(text: str, number: str, action: str | None = None) -> VoiceResponse:
    """Say who the caller is being put through to, then dial.

    With an `action`, a line that is busy, does not answer within DIAL_TIMEOUT, or ends
    posts to it, so the call comes back to us instead of hanging up.
    """
    response = VoiceResponse()
    say(response, text)
    if action is None:
        response.dial(number)
    else:
        response.dial(number, action=action, method="POST", timeout=DIAL_TIMEOUT)
    return response

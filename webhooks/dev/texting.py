"""One person texting a whole referral through the gateway, every turn timed and kept.

The person answers whatever they are asked (the bot decides the order); told the bot
cannot answer right now, or getting no answer at all, they wait a moment and send the
same thing again, as a person would. Used by `triage bench` and the concurrency tests.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

import requests
import yaml

from flows import Flow
from webhooks.dev.scripted import DATA, Respondent, UnknownQuestion, ended
from webhooks.dev.simulator import SimulatorError, SmsSimulator, twiml_messages
from webhooks.teams import Team

ANSWERED = "answered"
CANNOT_ANSWER = "cannot_answer"
ERROR = "error"


class SignatureRefused(RuntimeError):
    """The gateway refused the signature (HTTP 403): not the auth token it checks with."""


@dataclass(frozen=True)
class Target:
    """A team's number to text, and the flow its bot asks."""

    team: Team
    flow: Flow

    @property
    def number(self) -> str:
        """The team's (first) Twilio number."""
        return self.team.numbers[0]


@dataclass(frozen=True)
class Patience:
    """How long a person keeps going when the bot cannot answer."""

    # Turns one conversation may take before it counts as incomplete.
    max_turns: int = 300
    # Seconds with nothing to answer (cannot answer, HTTP errors) before giving up:
    # longer than Rasa takes to restart.
    give_up_seconds: float = 300.0
    # Seconds before sending the same thing again.
    pause_seconds: float = 2.0
    # Seconds a person takes to read a question and answer it (0: at once, a machine's pace).
    think_seconds: float = 0.0


@dataclass(frozen=True)
class Turn:
    """One message sent and what came of it."""

    text: str
    # Twilio's MessageSid of a text; None for a call's turn (a call has one CallSid).
    message_sid: str | None
    ms: float
    outcome: str  # ANSWERED, CANNOT_ANSWER or ERROR
    # Messages the gateway answered with.
    replies: int = 0


@dataclass
class Walk:
    """One conversation: every turn, and the reference it was told, if any."""

    sender: str
    target: Target
    turns: list[Turn] = field(default_factory=list)
    reference: str | None = None
    # Ended by the bot, with or without a referral (without: stopped, not eligible).
    ended: bool = False
    # Told the referral is kept, to reach the team later (the database refused it).
    kept: bool = False
    # "sms" or "voice".
    channel: str = "sms"


@lru_cache(maxsize=1)
def _wording() -> dict[str, str]:
    raw = yaml.safe_load((DATA / "messages.yml").read_text(encoding="utf-8"))
    return {str(key): " ".join(str(value).split()) for key, value in raw.items()}


def _says(key: str, message: str) -> bool:
    # Known by how the wording starts (before any placeholder, at most 60 characters).
    wording = _wording().get(key)
    return wording is not None and " ".join(message.split()).startswith(wording.split("{")[0][:60])


def cannot_answer(message: str) -> bool:
    """Whether a reply is the gateway's "cannot answer properly right now" (bot unavailable)."""
    return _says("bot_unavailable", message)


def told_kept(message: str) -> bool:
    """Whether a reply says the referral is kept and will reach the team later."""
    return _says("referral_kept", message)


@lru_cache(maxsize=1)
def _reference_pattern() -> re.Pattern[str]:
    # The words just before the reference in "referral_sent", and the character after it.
    before, after = _wording()["referral_sent"].split("{reference}", 1)
    anchor = before.split("}")[-1][-25:]
    return re.compile(re.escape(anchor) + r"(\S+?)" + re.escape(after[:1]))


def reference_in(messages: list[str]) -> str | None:
    """The reference a "your referral has been sent" message gives, if one does."""
    for message in messages:
        found = _reference_pattern().search(" ".join(message.split()))
        if found:
            return found.group(1)
    return None


def texter(url: str, auth_token: str, sender: str, target: Target) -> SmsSimulator:
    """A signed SMS client from this sender to the team's number."""
    return SmsSimulator(url, auth_token, sender, target.number)


def send(client: SmsSimulator, text: str) -> tuple[Turn, list[str]]:
    """Send one message, timed; raise SignatureRefused on HTTP 403."""
    sid = "SM" + uuid.uuid4().hex
    started = time.perf_counter()
    try:
        response = client.post(client.params(text, sid))
        replies = twiml_messages(response.text) if response.status_code == 200 else None
    except (requests.RequestException, SimulatorError, SyntaxError):
        response, replies = None, None
    ms = (time.perf_counter() - started) * 1000
    if response is not None and response.status_code == 403:
        raise SignatureRefused("the gateway refused the signature (HTTP 403)")
    if replies is None:
        return Turn(text, sid, ms, ERROR), []
    outcome = CANNOT_ANSWER if any(cannot_answer(r) for r in replies) else ANSWERED
    return Turn(text, sid, ms, outcome, len(replies)), replies


def converse(
    client: SmsSimulator, walk: Walk, person: Respondent, patience: Patience = Patience()
) -> Walk:
    """Text until the bot ends the conversation or patience runs out; return the walk."""
    text = "hello"
    stuck_since: float | None = None
    while len(walk.turns) < patience.max_turns:
        turn, replies = send(client, text)
        walk.turns.append(turn)
        # "Sent" (with the reference) or "kept" comes once the essentials are answered;
        # the conversation may go on after it with the rest.
        walk.reference = reference_in(replies) or walk.reference
        walk.kept = walk.kept or (walk.reference is None and any(told_kept(r) for r in replies))
        if ended(replies) or (walk.kept and not person_asked(person, replies)):
            walk.ended = True
            return walk
        try:
            _question, text = person.reply_to(replies)
            stuck_since = None
            if patience.think_seconds:
                time.sleep(patience.think_seconds)
        except UnknownQuestion:
            # Nothing to answer: the same message again after a pause, for a while.
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since >= patience.give_up_seconds:
                return walk
            time.sleep(patience.pause_seconds)
    return walk


def person_asked(person: Respondent, replies: list[str]) -> bool:
    """Whether the bot asked something the scripted person can answer."""
    try:
        person.reply_to(replies)
    except UnknownQuestion:
        return False
    return True


def sender_number(index: int) -> str:
    """The index-th sender: Ofcom's drama range (+447700900000-999), never a real person."""
    return f"+447700900{index % 1000:03d}"

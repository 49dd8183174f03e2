"""Telephone calls: start or resume one, the open question again, carry on by text or ask
for a call back, and keep what was answered when a call drops.

The conversation key is the CallSid (two calls, or two withheld numbers, never share a
conversation). A caller who rings again within 24 hours from the same number carries on
where the last call stopped.

With the database down, each of these raises `DatabaseDown` (see `degraded_call`), and
the call is answered without it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from flows.protocol import REFERRAL, VOICE
from flows.state import SNAPSHOT
from webhooks.core import risk_check
from webhooks.core.alerts import TransportError
from webhooks.core.degraded_call import database_guarded
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.rasa_client import RasaUnavailable
from webhooks.core.replies import Inbound, Reply
from webhooks.core.safety_net import Surroundings
from webhooks.core.turn import gateway_metadata
from webhooks.db import checks, conversations, referrals
from webhooks.db.models import Conversation
from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
RESUME_WITHIN = timedelta(hours=24)


@database_guarded
def start_call(
    core: ConversationCore, team: Team, call_sid: str, caller: str | None
) -> list[Reply]:
    """Greet and ask the first question, or welcome back a caller whose call dropped."""
    session = core.work.session
    earlier = None
    if caller:
        earlier = conversations.recent_unfinished_call(
            session, team.id, caller, core.now - RESUME_WITHIN
        )
    if earlier is not None:
        # The same conversation (and Rasa's memory of it) now answers to this call.
        earlier.contact_key = call_sid
        earlier.interrupted_at = None
        core.work.commit()
        return [Reply(core.wording.say("voice_welcome_back")), *_open_question(core, earlier)]
    conversation = conversations.find_or_open_conversation(session, team.id, VOICE, call_sid)
    conversation.phone = caller
    core.work.commit()
    return core.turn(
        Inbound(
            team=team,
            channel=VOICE,
            contact_key=call_sid,
            text="[call started]",
            rasa_override="/greet",
            own_words=False,
        )
    )


@database_guarded
def open_question(core: ConversationCore, team: Team, call_sid: str) -> list[Reply] | None:
    """The question the caller was last asked, again; None when the call is not known."""
    conversation = conversations.find_conversation(core.work.session, team.id, VOICE, call_sid)
    return None if conversation is None else _open_question(core, conversation)


@database_guarded
def open_question_needs_words(core: ConversationCore, team: Team, call_sid: str) -> bool:
    """Whether the open question is one only words can answer (a name, an address)."""
    conversation = conversations.find_conversation(core.work.session, team.id, VOICE, call_sid)
    if conversation is None:
        return False
    last = checks.open_question(core.work.session, conversation.id)
    return last is not None and core.questions.needs_words(last.question_id)


@database_guarded
def continue_by_text(core: ConversationCore, team: Team, call_sid: str) -> bool:
    """Text the caller the open question; their replies then continue this conversation."""
    conversation = conversations.find_conversation(core.work.session, team.id, VOICE, call_sid)
    if conversation is None or conversation.phone is None:
        return False
    question = " ".join(reply.text for reply in _open_question(core, conversation))
    text = core.wording.say("voice_continue_by_text", question=question)
    # Nothing is held while Twilio answers.
    core.work.release()
    try:
        core.transports.send_sms(conversation.phone, team.numbers[0], text)
    except TransportError as error:
        log.warning("could not text a caller to carry on: %s", error.reason)
        return False
    conversation.channel = "sms"
    conversation.contact_key = conversation.phone
    conversation.updated_at = core.now
    core.work.commit()
    return True


@database_guarded
def request_call_back(core: ConversationCore, team: Team, call_sid: str) -> bool | None:
    """Mark the call for a call back; whether its number is known (None: no such call)."""
    conversation = conversations.find_conversation(core.work.session, team.id, VOICE, call_sid)
    if conversation is None:
        return None
    conversation.callback_requested = True
    core.work.commit()
    return conversation.phone is not None


@database_guarded
def call_ended(core: ConversationCore, team: Team, call_sid: str) -> None:
    """A call that ended before its referral was sent is marked, and what it answered kept."""
    session = core.work.session
    conversation = conversations.find_conversation(session, team.id, VOICE, call_sid)
    if conversation is None:
        return
    check = checks.open_check(session, conversation.id)
    if check is not None:
        # A caller who hangs up on the check has not said no.
        around = Surroundings(team, core.wording, core.questions, core.now)
        risk_check.treat_as_unanswered(session, check, around)
        core.work.commit()
    if referrals.has_referral(session, conversation.id) and (
        referrals.sent_for_more(session, conversation.id) is None
    ):
        # Sent and finished. (Sent on its essentials, the answers since are still kept.)
        return
    conversation.interrupted_at = core.now
    core.work.commit()
    keep_what_was_answered(core, conversation, team)


def keep_what_was_answered(core: ConversationCore, conversation: Conversation, team: Team) -> None:
    """Ask the flow for the answers so far and keep them as an incomplete referral.

    The form stays open in Rasa, so a caller who rings back carries on where they were;
    if Rasa is down, the call is still listed for a call back ("Also to contact").
    """
    last = conversations.last_inbound(core.work.session, conversation.id)
    if last is None:
        return
    metadata = gateway_metadata(team, conversation.channel, core.now)
    # Nothing is held while the bot answers.
    core.work.release()
    try:
        bot_messages = core.rasa.send(conversation.id, f"/{SNAPSHOT}", metadata)
    except RasaUnavailable:
        return
    inbound = Inbound(
        team=team, channel=conversation.channel, contact_key=conversation.contact_key, text=""
    )
    endings = FlowEndings(core.work, core.wording, core.now, core.spool_dir)
    for bot_message in bot_messages:
        if REFERRAL in bot_message.custom:
            endings.handle(bot_message.custom, inbound, last)
    core.work.commit()


def _open_question(core: ConversationCore, conversation: Conversation) -> list[Reply]:
    last = checks.open_question(core.work.session, conversation.id)
    if last is None:
        return [Reply(core.wording.say("voice_goodbye"), ends_conversation=True)]
    labels = tuple((last.options or {}).get("labels", ()))
    return [Reply(last.body, labels, question_id=last.question_id, asks_again=last.asks_again_id)]

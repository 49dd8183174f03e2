"""A text message (SMS or WhatsApp): Twilio's keywords, opted-out numbers, and files.

STOP and its synonyms are Twilio's opt-out keywords, so by text they both end the open
referral and opt the number out until START. Messages from an opted-out number are still
stored and checked for risk; a risk message still gets the crisis contacts.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from flows.controls import normalise
from webhooks.core.documents import Attachments, acknowledgement, receive_files
from webhooks.core.replies import Inbound, Reply
from webhooks.db import conversations, opt_outs

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
# Twilio's standard keywords: the carrier-level meaning people expect.
OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
OPT_IN = {"start", "unstop"}
HELP = {"help", "info"}


def answer_text(
    core: ConversationCore, inbound: Inbound, attachments: Attachments | None
) -> list[Reply]:
    """The replies to one text message, its files taken first."""
    body = inbound.text
    keyword = normalise(body)
    files = attachments.labels if attachments is not None else ()
    if attachments is not None and files:
        inbound = replace(inbound, acknowledgements=_take_files(core, inbound, attachments))
    if not body:
        # The transcript shows that files came, never their contents.
        inbound = replace(inbound, text=f"[{len(files)} attachment(s)]", own_words=False)
    opted_out = _is_opted_out(core, inbound)
    wording = core.wording
    if keyword in OPT_OUT:
        # The control ends any open referral in Rasa; the number is then left alone.
        replies = core.turn(inbound)
        _record_opt_out(core, inbound, True)
        return [*replies, Reply(wording.say("sms_opted_out"))]
    if keyword in OPT_IN:
        _record_opt_out(core, inbound, False)
        replies = core.turn(replace(inbound, to_rasa=False))
        return [*replies, Reply(wording.say("sms_opted_in"))]
    if keyword in HELP:
        replies = core.turn(replace(inbound, to_rasa=False))
        return [*replies, Reply(wording.say_for(inbound.team, "sms_help"))]
    if opted_out:
        # Kept and checked for risk, but not answered: the person asked for no messages
        # (a risk message still gets the crisis contacts).
        return core.turn(replace(inbound, to_rasa=False, acknowledgements=()))
    if not body:
        # Only files: each is acknowledged; the question in hand stays open.
        return core.turn(replace(inbound, to_rasa=False))
    return core.turn(inbound)


def _take_files(
    core: ConversationCore, inbound: Inbound, attachments: Attachments
) -> tuple[Reply, ...]:
    """Fetch, check and store the message's files; what to tell the person of each."""
    work = core.work
    try:
        if inbound.external_id and conversations.message_by_external_id(
            work.session, inbound.external_id
        ):
            return ()  # a retried delivery: answered as the first time, stored once
    except SQLAlchemyError:
        work.rollback()  # receive_files finds the database down and says so per file
    outcomes = receive_files(
        work,
        inbound.team.id,
        inbound.channel,
        inbound.contact_key,
        attachments,
        core.documents,
        core.now,
    )
    return tuple(acknowledgement(outcome, inbound.team, core.wording) for outcome in outcomes)


def _is_opted_out(core: ConversationCore, inbound: Inbound) -> bool:
    try:
        return opt_outs.is_opted_out(
            core.work.session, inbound.team.id, inbound.channel, inbound.contact_key
        )
    except SQLAlchemyError:
        # With the database down, answering is the safe choice; Twilio's own opt-out
        # handling still stops messages to a number that texted STOP.
        core.work.rollback()
        return False


def _record_opt_out(core: ConversationCore, inbound: Inbound, opted_out: bool) -> None:
    try:
        opt_outs.set_opted_out(
            core.work.session,
            inbound.team.id,
            inbound.channel,
            inbound.contact_key,
            opted_out,
            core.now,
        )
        core.work.commit()
    except SQLAlchemyError as error:
        core.work.rollback()
        log.error("opt-out not recorded: %s", type(error).__name__)

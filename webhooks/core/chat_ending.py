"""A web chat the person ends: the "End chat" button, or "Leave this site quickly".

Ending is what a dropped call is (core/calls.py): a safety check left open counts as
unanswered, and a referral part way is kept as the flow had it, marked incomplete. On top
of that the conversation lets go of the browser, so on a shared computer the next person
neither reads it nor carries it on: the browser's next message starts a new one. Nothing
the team already has is taken from them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webhooks.core import risk_check
from webhooks.core.calls import keep_what_was_answered
from webhooks.core.safety_net import Surroundings
from webhooks.db import chat_ending, checks, conversations, referrals
from webhooks.db.models import Conversation
from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
WEBCHAT = "webchat"


def end_chat(core: ConversationCore, team: Team, contact_key: str) -> bool:
    """End the conversation this browser key holds with the team, if there is one.

    False when the database failed: the browser still forgets its key (the channel's
    part), but a copy of the old cookie would still reach the conversation.
    """
    session = core.work.session
    try:
        conversation = conversations.find_conversation(session, team.id, WEBCHAT, contact_key)
        if conversation is None:
            return True
        # The team reading the transcript sees why it stopped (a gateway note, like a
        # file's, not the person's words: nothing waits for the bot).
        note = conversations.add_inbound(
            session, conversation, core.wording.say("chat_ended_note"), None, at=core.now
        )
        note.status = "answered"
        check = checks.open_check(session, conversation.id)
        if check is not None:
            # Someone who leaves in a hurry while asked about their safety has not said no.
            around = Surroundings(team, core.wording, core.questions, core.now)
            risk_check.treat_as_unanswered(session, check, around)
        chat_ending.let_go_of_browser(session, conversation)
        # Checkpoint: no browser reads it from here on, before the bot is asked anything.
        core.work.commit()
        if not _has_more_to_keep(session, conversation):
            return True
        # As for a dropped call; the flow's reply is for nobody to hear now.
        keep_what_was_answered(core, conversation, team)
    except SQLAlchemyError as error:
        log.error("web chat not ended: %s", type(error).__name__)
        core.work.rollback()
        return False
    log.info("web chat %s ended by the person", conversation.id)
    return True


def _has_more_to_keep(session: Session, conversation: Conversation) -> bool:
    if conversation.outcome is not None:
        # The flow ended it already (not eligible, or no agreement to share): only what
        # the team's file allows was kept, and nothing more is.
        return False
    if referrals.has_referral(session, conversation.id):
        # Sent and finished; sent on its essentials, the answers since are still kept.
        return referrals.sent_for_more(session, conversation.id) is not None
    return True

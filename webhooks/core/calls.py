"""A call that drops part way: keep what was answered as an incomplete referral."""

from __future__ import annotations

from flows.state import SNAPSHOT
from webhooks.core.flow_endings import REFERRAL_PAYLOAD, FlowEndings
from webhooks.core.rasa_client import RasaUnavailable
from webhooks.core.replies import Inbound
from webhooks.db import conversations
from webhooks.db.engine import db_session
from webhooks.db.models import Conversation
from webhooks.teams import Team
from webhooks.web.services import services


def keep_what_was_answered(conversation: Conversation, team: Team) -> None:
    """Ask the flow for the answers so far and keep them as an incomplete referral.

    The form stays open in Rasa, so a caller who rings back carries on where they were;
    if Rasa is down, the call is still listed for a call back ("Also to contact").
    """
    found, session = services(), db_session()
    last = conversations.last_inbound(session, conversation.id)
    if last is None:
        return
    metadata = {"team_id": team.id, "channel": "voice", "flow_id": team.flows[0],
                "now": found.now().isoformat()}  # fmt: skip
    try:
        bot_messages = found.rasa.send(conversation.id, f"/{SNAPSHOT}", metadata)
    except RasaUnavailable:
        return
    inbound = Inbound(team=team, channel="voice", contact_key=conversation.contact_key, text="")
    endings = FlowEndings(session, found.wording, found.now())
    for bot_message in bot_messages:
        if REFERRAL_PAYLOAD in bot_message.custom:
            endings.handle(bot_message.custom, inbound, last)
    session.commit()

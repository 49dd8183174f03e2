"""One turn of a conversation, the same for every channel.

Order matters: the inbound message is committed first, the safety net looks at it before
Rasa is asked, and a referral is committed before the person is told it was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from flows import detect_control
from safety import assess_risk
from webhooks.conversation_types import Inbound, Reply
from webhooks.db import repository
from webhooks.db.models import Message
from webhooks.rasa_client import BotMessage, RasaClient, RasaUnavailable
from webhooks.safety_net import answer_risk
from webhooks.teams import Team
from webhooks.wording import Wording

log = logging.getLogger(__name__)
REFERRAL_PAYLOAD = "referral"


@dataclass
class TurnHandler:
    """Runs a turn: persist, ask Rasa, commit any referral, persist the replies."""

    session: Session
    rasa: RasaClient
    wording: Wording
    questions: frozenset[str]

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message; a retried delivery gets the same answer again."""
        if inbound.external_id:
            earlier = repository.message_by_external_id(self.session, inbound.external_id)
            if earlier is not None:
                return _as_replies(repository.replies_to(self.session, earlier))
        conversation = repository.find_or_open_conversation(
            self.session, inbound.team.id, inbound.channel, inbound.contact_key
        )
        message = repository.add_inbound(
            self.session, conversation, inbound.text, inbound.external_id
        )
        self.session.commit()
        assessment = assess_risk(inbound.text)
        if assessment.risk != "none":
            # The safety net answers at once; the form's question stays open in Rasa.
            replies = answer_risk(
                self.session, message, assessment, inbound.team, self.wording, self.questions
            )
            return self._finish(message, replies)
        metadata = {
            "team_id": inbound.team.id,
            "team_name": inbound.team.name,
            "channel": inbound.channel,
        }
        try:
            bot_messages = self.rasa.send(conversation.id, rasa_text(inbound.text), metadata)
        except RasaUnavailable:
            message.status = "pending"
            replies = [Reply(self._say("bot_unavailable", inbound.team))]
        else:
            message.status = "answered"
            replies = [
                reply
                for bot_message in bot_messages
                for reply in self._replies_for(bot_message, inbound, message)
            ]
        return self._finish(message, replies)

    def _finish(self, message: Message, replies: list[Reply]) -> list[Reply]:
        for reply in replies:
            repository.add_outbound(self.session, message, reply.text, reply.options)
        self.session.commit()
        return replies

    def _replies_for(
        self, bot_message: BotMessage, inbound: Inbound, message: Message
    ) -> list[Reply]:
        if REFERRAL_PAYLOAD in bot_message.custom:
            return [self._commit_referral(bot_message.custom[REFERRAL_PAYLOAD], inbound, message)]
        if bot_message.text:
            return [Reply(bot_message.text, bot_message.buttons)]
        return []

    def _commit_referral(self, payload: object, inbound: Inbound, message: Message) -> Reply:
        if not isinstance(payload, dict):
            log.error("referral payload was not an object; nothing stored")
            return Reply(self._say("referral_not_saved", inbound.team))
        try:
            referral = repository.create_referral(self.session, message.conversation, payload)
            self.session.commit()
        except (SQLAlchemyError, KeyError, TypeError, ValueError) as error:
            self.session.rollback()
            log.error("referral not stored: %s", type(error).__name__)
            return Reply(self._say("referral_not_saved", inbound.team))
        log.info("referral %s stored for team %s", referral.id, referral.team_id)
        return Reply(
            self._say("referral_sent", inbound.team, reference=referral.reference),
        )

    def _say(self, key: str, team: Team, **values: str) -> str:
        return self.wording.say(
            key,
            team_name=team.name,
            crisis_name=team.crisis_line.name,
            crisis_number=team.crisis_line.display,
            **values,
        )


def rasa_text(text: str) -> str:
    """What Rasa is sent: a control as its intent, anything else as plain text.

    A leading "/" would make Rasa read the text as an intent name, so a person's own
    text never starts with one.
    """
    control = detect_control(text)
    if control is not None:
        return f"/{control}"
    return text.lstrip("/ ") or text


def _as_replies(messages: list[Message]) -> list[Reply]:
    return [
        Reply(message.body, tuple((message.options or {}).get("labels", ())))
        for message in messages
    ]

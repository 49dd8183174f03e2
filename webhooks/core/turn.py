"""One turn of a conversation, the same for every channel.

Order matters: the inbound message is committed first, the safety net looks at it before
Rasa is asked, and a referral is committed before the person is told it was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from flows import detect_control
from flows.protocol import GatewayMetadata
from safety import RiskAssessment, assess_risk
from webhooks.core.controls import GATEWAY_CONTROLS, answer_control
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.out_of_hours import NEW_CONVERSATION_GAP, closed_notice
from webhooks.core.rasa_client import BotMessage, RasaUnavailable
from webhooks.core.replies import Inbound, Reply
from webhooks.core.safety_net import answer_risk, crisis_replies
from webhooks.core.spool import SpooledMessage, has_spooled, ingest, spool
from webhooks.db import conversations, documents
from webhooks.db.models import Message, as_utc
from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)


@dataclass
class TurnHandler:
    """Runs a turn: persist, safety net, ask Rasa, commit any referral, persist the replies.

    Its collaborators are the conversation core's (the unit of work, Rasa, the wording,
    the clock...), read through the core so a turn and the rest share one request.
    """

    core: ConversationCore

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message; a retried delivery gets the same answer again.

        The risk check needs nothing but the text, so it runs first: if the database is
        down the person still gets the crisis contacts, and the message waits on disk.
        """
        assessment = assess_risk(inbound.text)
        if " ".join(inbound.text.lower().split()) not in self.core.choices:
            # The learned net reads free text only: a bag of words once took the choice
            # "I have sent them here" for fear. The rules still read everything.
            assessment = self.core.second_net.add_to(assessment)
        stored = False
        session = self.core.work.session
        try:
            if has_spooled(self.core.spool_dir):
                ingest(self.core.work, self.core.spool_dir)
            earlier = None
            if inbound.external_id:
                earlier = conversations.message_by_external_id(session, inbound.external_id)
            if earlier is not None:
                return _as_replies(conversations.replies_to(session, earlier))
            conversation = conversations.find_or_open_conversation(
                session, inbound.team.id, inbound.channel, inbound.contact_key
            )
            last_seen = conversations.last_message_at(session, conversation.id)
            message = conversations.add_inbound(
                session, conversation, inbound.text, inbound.external_id, at=self.core.now
            )
            # Checkpoint: the message is kept before anything else happens to it.
            self.core.work.commit()
            stored = True
            return self._answer(inbound, message, assessment, last_seen)
        except SQLAlchemyError as error:
            log.error("database unavailable: %s", type(error).__name__)
            self.core.work.rollback()
            if not stored:
                spool(self.core.spool_dir, _spooled(inbound, self.core.now))
            return self._without_database(inbound, assessment)

    def _answer(
        self,
        inbound: Inbound,
        message: Message,
        assessment: RiskAssessment,
        last_seen: datetime | None,
    ) -> list[Reply]:
        # Out of hours, a new conversation hears so first, with the crisis contacts.
        closed = self._closed_notice(inbound) if _is_new(last_seen, self.core.now) else []
        opening = [*inbound.acknowledgements, *closed]
        if assessment.risk != "none":
            # The safety net answers at once; the form's question stays open in Rasa.
            replies = answer_risk(
                self.core.work.session,
                message,
                assessment,
                inbound.team,
                self.core.wording,
                self.core.questions,
                self.core.now,
            )
            return self._finish(message, replies[:1] + opening + replies[1:])
        if not inbound.to_rasa:
            message.status = "answered"
            return self._finish(message, list(inbound.acknowledgements))
        control = detect_control(inbound.text)
        if control in GATEWAY_CONTROLS:
            replies = answer_control(
                self.core.work.session,
                control,
                inbound,
                message,
                self.core.wording,
                self.core.now,
                self.core.questions,
            )
            return self._finish(message, opening + replies)
        replies = opening + self._ask_rasa(inbound, message)
        if assessment.concern:
            # Worrying words but no clear risk: the contacts, gently, before the question.
            replies.insert(max(len(replies) - 1, 0), Reply(self.core.wording.say("concern_note")))
        return self._finish(message, replies)

    def _closed_notice(self, inbound: Inbound) -> list[Reply]:
        notice = closed_notice(inbound.team, self.core.now, self.core.wording)
        return [notice] if notice else []

    def _without_database(self, inbound: Inbound, assessment: RiskAssessment) -> list[Reply]:
        """Crisis contacts, the hours and "we kept your message", from memory alone."""
        # The person's age is in the database too, so a young person gets the general
        # contacts here; Childline is among them once the database is back.
        replies = crisis_replies(assessment.categories, inbound.team, self.core.wording)
        replies += inbound.acknowledgements
        replies += self._closed_notice(inbound)
        replies.append(Reply(self.core.wording.say_for(inbound.team, "bot_unavailable")))
        return replies

    def _ask_rasa(self, inbound: Inbound, message: Message) -> list[Reply]:
        metadata = gateway_metadata(
            inbound.team,
            inbound.channel,
            self.core.now,
            # Files received so far: "I have sent them" is checked against it.
            documents.count_documents(self.core.work.session, message.conversation_id),
        )
        try:
            bot_messages = self.core.rasa.send(
                message.conversation_id,
                inbound.rasa_override or rasa_text(inbound.text),
                metadata,
            )
        except RasaUnavailable:
            # Kept as pending: nothing is lost, and the person still gets the contacts.
            message.status = "pending"
            return [Reply(self.core.wording.say_for(inbound.team, "bot_unavailable"))]
        message.status = "answered"
        return [
            reply
            for bot_message in bot_messages
            for reply in self._replies_for(bot_message, inbound, message)
        ]

    def _finish(self, message: Message, replies: list[Reply]) -> list[Reply]:
        for reply in replies:
            conversations.add_outbound(
                self.core.work.session,
                message,
                reply.text,
                reply.options,
                at=self.core.now,
                question_id=reply.question_id,
                asks_again_id=reply.asks_again,
            )
        # Checkpoint: the turn is over and what was said is on record.
        self.core.work.commit()
        return replies

    def _replies_for(
        self, bot_message: BotMessage, inbound: Inbound, message: Message
    ) -> list[Reply]:
        if bot_message.custom:
            return FlowEndings(self.core.work, self.core.wording, self.core.now).handle(
                bot_message.custom, inbound, message
            )
        if bot_message.text:
            asked = bot_message.question.id if bot_message.question else None
            return [Reply(bot_message.text, bot_message.buttons, question_id=asked)]
        return []


def gateway_metadata(
    team: Team, channel: str, now: datetime, files_received: int = 0
) -> GatewayMetadata:
    """What the bot is told with each message: nothing personal, only where and when."""
    return GatewayMetadata(
        team_id=team.id,
        team_name=team.name,
        channel=channel,
        flow_id=team.flows[0],
        # The gateway's clock (pinned by TRIAGE_NOW): dates are checked against it.
        now=now.isoformat(),
        documents=files_received,
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


def _is_new(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - as_utc(last_seen) > NEW_CONVERSATION_GAP


def _spooled(inbound: Inbound, now: datetime) -> SpooledMessage:
    return SpooledMessage(
        team_id=inbound.team.id,
        channel=inbound.channel,
        contact_key=inbound.contact_key,
        text=inbound.text,
        external_id=inbound.external_id,
        received_at=now.isoformat(),
    )


def _as_replies(messages: list[Message]) -> list[Reply]:
    return [
        Reply(
            message.body,
            tuple((message.options or {}).get("labels", ())),
            question_id=message.question_id,
            asks_again=message.asks_again_id,
        )
        for message in messages
    ]

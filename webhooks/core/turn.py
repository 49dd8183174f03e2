"""One turn of a conversation, the same for every channel.

Order matters: the inbound message is committed first, the safety net looks at it before
Rasa is asked, and a referral is committed before the person is told it was sent.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from flows import detect_control
from flows.protocol import GatewayMetadata
from safety import RiskAssessment, assess_risk
from safety.learned.model import LearnedRiskModel
from webhooks.core import risk_check, takeover
from webhooks.core.controls import GATEWAY_CONTROLS, answer_control
from webhooks.core.flow_endings import FlowEndings
from webhooks.core.out_of_hours import NEW_CONVERSATION_GAP, closed_notice
from webhooks.core.rasa_client import BotMessage, RasaUnavailable
from webhooks.core.replies import Inbound, Reply
from webhooks.core.safety_net import Surroundings, answer_risk, crisis_replies
from webhooks.core.situation import watched_questions
from webhooks.core.spool import SpooledMessage, spool
from webhooks.db import conversations, documents, referrals
from webhooks.db.models import Message, as_utc
from webhooks.observability import metrics
from webhooks.teams import Team

if TYPE_CHECKING:
    from webhooks.core.conversations import ConversationCore

log = logging.getLogger(__name__)
# A delivery that arrives again while the first is still being answered waits for those
# replies (inside Twilio's 15 s) rather than being answered twice or told "unavailable".
DUPLICATE_WAIT_SECONDS = 10.0
DUPLICATE_POLL_SECONDS = 0.2


@dataclass
class TurnHandler:
    """Runs a turn: persist, safety net, ask Rasa, commit any referral, persist the replies.

    Its collaborators are the conversation core's (the unit of work, Rasa, the wording,
    the clock...), read through the core so a turn and the rest share one request.
    """

    core: ConversationCore
    # Risk the flow found this turn (see FlowEndings.found).
    flow_found: list[str] = field(default_factory=list)

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message, and count the turn and its replies by kind."""
        replies = self._handle(inbound)
        metrics.count_turn()
        unavailable = self.core.wording.say_for(inbound.team, "bot_unavailable")
        for reply in replies:
            metrics.count_reply(_kind(reply, unavailable))
        return replies

    def _handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message; a retried delivery gets the same answer again.

        The risk check needs nothing but the text, so it runs first: if the database is
        down the person still gets the crisis contacts, and the message (with what was
        found and said) waits on disk for the ingester.
        """
        # No database text column can hold a NUL, and no UTF-8 a lone surrogate (JSON can
        # carry one): either would be refused for ever, and the message never stored.
        inbound = replace(inbound, text=storable(inbound.text))
        assessment = read_for_risk(
            inbound.text, self.core.second_net, self.core.choices, inbound.own_words
        )
        try:
            stored = self._store(inbound)
        except SQLAlchemyError as error:
            log.error("database unavailable: %s", type(error).__name__)
            self.core.work.rollback()
            assessment = risk_check.acted_on_unasked(assessment)
            replies = self._without_database(inbound, assessment)
            self._keep(_spooled(inbound, self.core.now, assessment, replies))
            return replies
        if isinstance(stored, list):
            return stored
        message, last_seen = stored
        try:
            return self._answer(inbound, message, assessment, last_seen)
        except SQLAlchemyError as error:
            # The message is stored; what this turn found and said is kept on disk and
            # added to it when the database is back.
            log.error("database failed during a turn: %s", type(error).__name__)
            self.core.work.rollback()
            assessment = self._with_flow_risk(risk_check.acted_on_unasked(assessment))
            replies = self._without_database(inbound, assessment)
            self._keep(_spooled(inbound, self.core.now, assessment, replies, _stored_id(message)))
            return replies

    def _store(self, inbound: Inbound) -> tuple[Message, datetime | None] | list[Reply]:
        """Commit the inbound message; or, for a delivery seen before, its replies."""
        session = self.core.work.session
        if inbound.external_id:
            earlier = conversations.message_by_external_id(session, inbound.external_id)
            if earlier is not None:
                return self._replies_to_earlier(inbound.external_id)
        conversation = conversations.find_or_open_conversation(
            session, inbound.team.id, inbound.channel, inbound.contact_key
        )
        last_seen = conversations.last_message_at(session, conversation.id)
        try:
            message = conversations.add_inbound(
                session, conversation, inbound.text, inbound.external_id, at=self.core.now
            )
            # Checkpoint: the message is kept before anything else happens to it.
            self.core.work.commit()
        except IntegrityError:
            self.core.work.rollback()
            if not inbound.external_id or not conversations.message_by_external_id(
                session, inbound.external_id
            ):
                raise
            # The same delivery arrived twice at once (Twilio retries): the other request
            # stored it first and is answering it.
            return self._replies_to_earlier(inbound.external_id)
        return message, last_seen

    def _replies_to_earlier(self, external_id: str) -> list[Reply]:
        """What was said to a delivery seen before, waiting while it is still answered."""
        deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
        while True:
            session = self.core.work.session
            earlier = conversations.message_by_external_id(session, external_id)
            answered = earlier is not None and earlier.status != "received"
            if earlier is not None and (answered or time.monotonic() > deadline):
                return _as_replies(conversations.replies_to(session, earlier))
            if time.monotonic() > deadline:
                return []
            self.core.work.refresh()
            time.sleep(DUPLICATE_POLL_SECONDS)

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
        around = Surroundings(inbound.team, self.core.wording, self.core.questions, self.core.now)
        session = self.core.work.session
        if inbound.own_words:
            # A file or a call starting answers no check: only the person's words do.
            settled = risk_check.settle_open_check(session, message, assessment, around)
            if isinstance(settled, list):
                return self._finish(message, opening + settled, inbound, assessment)
            assessment = settled
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
            return self._finish(message, replies[:1] + opening + replies[1:], inbound, assessment)
        if assessment.ask is not None:
            replies = risk_check.ask(
                session,
                message,
                assessment.ask,
                assessment.evidence,
                inbound.team,
                self.core.wording,
                self.core.now,
            )
            return self._finish(message, opening + replies, inbound, assessment)
        if not inbound.to_rasa:
            message.status = "answered"
            return self._finish(message, list(inbound.acknowledgements), inbound, assessment)
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
            return self._finish(message, opening + replies, inbound, assessment)
        # The gateway's own controls (stop, withdraw consent, a person) work as ever.
        conversation = message.conversation
        takeover.lapse_if_due(
            session, conversation, referrals.referral_for(session, conversation.id), self.core.now
        )
        if takeover.is_held(conversation, self.core.now):
            # A practitioner is talking with the person: the bot stays silent. The safety
            # net has already answered above if the message showed risk.
            message.status = "held"
            return self._finish(message, opening, inbound, assessment)
        replies = opening + self._ask_rasa(inbound, message)
        if assessment.concern:
            # Worrying words but no clear risk: the contacts, gently, before the question.
            replies.insert(max(len(replies) - 1, 0), Reply(self.core.wording.say("concern_note")))
        return self._finish(message, replies, inbound, assessment)

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
        # Nothing is held while the bot thinks: others' turns go on meanwhile.
        self.core.work.release()
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

    def _finish(
        self, message: Message, replies: list[Reply], inbound: Inbound, assessment: RiskAssessment
    ) -> list[Reply]:
        try:
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
        except SQLAlchemyError as error:
            # The bot has moved on and nothing here claims what was not committed, so the
            # person still hears these replies; the record of them waits on disk.
            log.error("database failed at the end of a turn: %s", type(error).__name__)
            self.core.work.rollback()
            # A check asked this turn was rolled back with it: what the net read is risk.
            assessment = self._with_flow_risk(risk_check.acted_on_unasked(assessment))
            self._keep(_spooled(inbound, self.core.now, assessment, replies, _stored_id(message)))
        return replies

    def _with_flow_risk(self, assessment: RiskAssessment) -> RiskAssessment:
        """The safety net's finding, with what the flow found this turn (never written)."""
        added = [c for c in self.flow_found if c not in assessment.categories]
        if not added:
            return assessment
        return replace(
            assessment,
            categories=(*assessment.categories, *added),
            evidence=(*assessment.evidence, *(f"flow:{category}" for category in added)),
        )

    def _keep(self, message: SpooledMessage) -> None:
        try:
            spool(self.core.spool_dir, message)
        except OSError as error:
            # Nothing more can be done here; the person still gets their answer.
            log.critical("a message could not be kept on disk: %s", type(error).__name__)

    def _replies_for(
        self, bot_message: BotMessage, inbound: Inbound, message: Message
    ) -> list[Reply]:
        if bot_message.custom:
            endings = FlowEndings(
                self.core.work,
                self.core.wording,
                self.core.now,
                self.core.spool_dir,
                found=self.flow_found,
            )
            return endings.handle(bot_message.custom, inbound, message)
        if bot_message.text:
            asked = bot_message.question.id if bot_message.question else None
            return [Reply(bot_message.text, bot_message.buttons, question_id=asked)]
        return []


def read_for_risk(
    text: str, net: LearnedRiskModel, choices: frozenset[str], own_words: bool = True
) -> RiskAssessment:
    """The safety net's reading of a message: the rules on everything; the learned net on
    the person's own free text only, never a choice the flows offer nor a control ("go
    back", "change my answer").

    A bag of words once took the choice "I have sent them here" for fear, and "I want to
    change my answer" for risk to self.
    """
    assessment = assess_risk(text)
    said = " ".join(text.lower().split())
    if own_words and said not in choices and detect_control(said) is None:
        return net.add_to(assessment)
    return assessment


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
        watch=watched_questions(),
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


def _spooled(
    inbound: Inbound,
    now: datetime,
    assessment: RiskAssessment,
    replies: list[Reply],
    stored_as: int | None = None,
) -> SpooledMessage:
    return SpooledMessage(
        team_id=inbound.team.id,
        channel=inbound.channel,
        contact_key=inbound.contact_key,
        text=inbound.text,
        external_id=inbound.external_id,
        received_at=now.isoformat(),
        risk_categories=list(assessment.categories),
        risk_evidence=list(assessment.evidence),
        replies=[reply.text for reply in replies],
        stored_as=stored_as,
    )


def _kind(reply: Reply, unavailable: str) -> str:
    if reply.crisis:
        return "crisis"
    if reply.text == unavailable:
        return "cannot_answer"
    if reply.question_id == risk_check.CHECK_QUESTION_ID:
        return "check"
    return "question" if reply.question_id else "other"


def _stored_id(message: Message) -> int:
    # From the identity map, never the database: this is asked when the database failed,
    # after a rollback has expired everything the session had loaded.
    identity = inspect(message).identity
    assert identity is not None, "only a stored message is kept for later"
    stored: int = identity[0]
    return stored


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """The text as it can be stored: NULs dropped, a lone surrogate shown as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))

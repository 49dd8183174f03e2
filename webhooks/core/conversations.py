"""The conversation core: everything a channel asks of a conversation, in one place.

A channel parses its request into an `Inbound` (or a call's sid, or a file), asks the
core, and renders the replies it gets back. The core owns the request's unit of work:
it reads and writes the database and commits at the turn's checkpoints. Its
collaborators are handed to it, so it can be built anywhere (a view, a worker, a test).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from safety.learned.model import LearnedRiskModel
from webhooks.core import calls, texting
from webhooks.core.alerts import Transports
from webhooks.core.documents import (
    Admit,
    Attachments,
    IncomingFile,
    acknowledgement,
    receive_files,
)
from webhooks.core.questions import QuestionBook
from webhooks.core.rasa_client import RasaClient
from webhooks.core.replies import Inbound, Reply
from webhooks.core.turn import TurnHandler
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import conversations
from webhooks.documents.cipher import DocumentCipher
from webhooks.teams import Team
from webhooks.wording import Wording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Line:
    """One message of a transcript as a person sees it again (a web chat reloaded)."""

    from_person: bool
    text: str
    options: tuple[str, ...]
    # The bot asked for files here: the page offers its upload control.
    asks_for_files: bool
    # Its place in the conversation: the page asks for what came after it.
    id: int = 0
    # A practitioner who wrote it themselves (None: the bot, or the person).
    author: str | None = None


@dataclass
class ConversationCore:
    """Turns, keywords, calls and files, within one request's unit of work."""

    work: UnitOfWork
    rasa: RasaClient
    wording: Wording
    questions: QuestionBook
    now: datetime
    spool_dir: Path
    second_net: LearnedRiskModel
    documents: DocumentCipher
    # Outbound Twilio REST: a caller carrying on by text is sent the open question.
    transports: Transports
    # Every choice the flows offer, in lower case: a button pressed is not free text.
    choices: frozenset[str] = frozenset()

    def turn(self, inbound: Inbound) -> list[Reply]:
        """Answer one message: stored, checked for risk, answered by Rasa or without it."""
        return TurnHandler(self).handle(inbound)

    def text_message(self, inbound: Inbound, attachments: Attachments | None) -> list[Reply]:
        """Answer an SMS or WhatsApp message: Twilio's keywords, opt-outs, files, a turn."""
        return texting.answer_text(self, inbound, attachments)

    def receive_file(
        self, inbound: Inbound, incoming: IncomingFile, admit: Admit | None = None
    ) -> list[Reply]:
        """Take one file into the conversation (if `admit` lets it in), then note it there
        (no turn for Rasa)."""
        attachments = Attachments(labels=(incoming.filename,), fetch=lambda: [incoming])
        (outcome,) = receive_files(
            self.work,
            inbound.team.id,
            inbound.channel,
            inbound.contact_key,
            attachments,
            self.documents,
            self.now,
            admit,
        )
        return self.turn(
            Inbound(
                team=inbound.team,
                channel=inbound.channel,
                contact_key=inbound.contact_key,
                # The transcript shows that a file was sent, and its name; never its contents.
                text=f"[file: {outcome.filename}]",
                to_rasa=False,
                own_words=False,
                acknowledgements=(acknowledgement(outcome, inbound.team, self.wording),),
            )
        )

    def transcript(self, team: Team, channel: str, contact_key: str) -> list[Line]:
        """The conversation so far, for the person to see again; empty when there is none.

        With the database down it is empty too: the page still loads and still answers.
        """
        try:
            conversation = conversations.find_conversation(
                self.work.session, team.id, channel, contact_key
            )
            if conversation is None:
                return []
            messages = list(conversation.messages)
        except SQLAlchemyError as error:
            log.error("database unavailable: %s", type(error).__name__)
            self.work.rollback()
            return []
        return [
            Line(
                from_person=message.direction == "in",
                text=message.body,
                options=tuple((message.options or {}).get("labels", ())),
                asks_for_files=message.direction == "out"
                and self.questions.takes_files(message.question_id),
                id=message.id,
                author=message.author,
            )
            for message in messages
        ]

    def start_call(self, team: Team, call_sid: str, caller: str | None) -> list[Reply]:
        """A call comes in: greet and ask, or welcome back a caller who rang before."""
        return calls.start_call(self, team, call_sid, caller)

    def open_question(self, team: Team, call_sid: str) -> list[Reply] | None:
        """The call's open question again; None when the call is not known."""
        return calls.open_question(self, team, call_sid)

    def open_question_needs_words(self, team: Team, call_sid: str) -> bool:
        """Whether only words can answer the call's open question."""
        return calls.open_question_needs_words(self, team, call_sid)

    def continue_by_text(self, team: Team, call_sid: str) -> bool:
        """Move the call to text messages, the open question sent; False if it cannot."""
        return calls.continue_by_text(self, team, call_sid)

    def request_call_back(self, team: Team, call_sid: str) -> bool | None:
        """Mark the call for a call back; whether its number is known (None: no call)."""
        return calls.request_call_back(self, team, call_sid)

    def call_ended(self, team: Team, call_sid: str) -> None:
        """Twilio says the call ended: keep what an unfinished referral answered."""
        calls.call_ended(self, team, call_sid)

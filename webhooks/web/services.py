"""The app's long-lived collaborators, built once in create_app and found from any view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from safety.learned.model import default_model
from webhooks.config import Settings
from webhooks.core.alerts import Transports
from webhooks.core.conversations import ConversationCore
from webhooks.core.questions import QuestionBook
from webhooks.core.rasa_client import RasaClient
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db.engine import db_session
from webhooks.documents.cipher import DocumentCipher
from webhooks.teams import TeamDirectory
from webhooks.twilio.media import MediaFetcher
from webhooks.wording import Wording


@dataclass(frozen=True)
class Services:
    """Configuration-derived objects shared by the blueprints."""

    settings: Settings
    teams: TeamDirectory
    wording: Wording
    rasa: RasaClient
    # Outbound Twilio REST and HTTP (urgent alerts, a call carried on by text).
    transports: Transports
    # Each question id the bot may name, and its kind (open? words only? files?).
    questions: QuestionBook
    # Files people send: encrypted at rest, and fetched from Twilio's media URLs.
    documents: DocumentCipher
    media: MediaFetcher
    # Every choice the flows offer (labels and synonyms), in lower case.
    choices: frozenset[str]

    def now(self) -> datetime:
        """The current time, or the pinned TRIAGE_NOW."""
        return self.settings.triage_now or datetime.now(timezone.utc)


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions["triage"]
    return found


def conversation_core() -> ConversationCore:
    """The conversation core for this request, on its database session."""
    found = services()
    return ConversationCore(
        work=UnitOfWork(db_session()),
        rasa=found.rasa,
        wording=found.wording,
        questions=found.questions,
        now=found.now(),
        spool_dir=found.settings.spool_dir,
        second_net=default_model(),
        documents=found.documents,
        transports=found.transports,
        choices=found.choices,
    )

"""The background ingester: stores what the spool kept while the database was away.

It runs in the worker process (`triage alerts`), never inside a person's request: a
person's turn must not wait on, or fail with, somebody else's message. Each file is
stored in its own transaction; a file the database refuses goes back to the spool
under its own name, so the next round tries it again and nothing is orphaned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError, TimeoutError
from sqlalchemy.orm import Session

from webhooks.core import spool
from webhooks.core.alerts import queue_urgent_alerts
from webhooks.core.spool import SpooledMessage, SpooledReferral
from webhooks.db import conversations, referrals, risks
from webhooks.db.models import Conversation, Message, Referral, as_utc
from webhooks.pathways import pathway_for
from webhooks.teams import TeamDirectory

log = logging.getLogger(__name__)
# Errors that mean the database cannot be reached or did not answer in time: the file
# waits for the next round. Any other database error is a refusal of what the file holds.
DATABASE_DOWN = (OperationalError, InterfaceError, TimeoutError)
# A message spooled without a delivery id (web chat) is given one from its file, so a
# crash between storing it and removing the file cannot store it twice.
SPOOL_ID_PREFIX = "spool-"


@dataclass(frozen=True)
class Drained:
    """What one round stored, and whether the database stopped it part way."""

    messages: int = 0
    referrals: int = 0
    # The database refused: the rest waits for the next round.
    stopped_by: str | None = None


@dataclass
class Ingester:
    """Stores spooled messages and referrals, oldest first, each in its own transaction."""

    sessions: Callable[[], Session]
    directory: Path
    teams: TeamDirectory

    def recover(self) -> int:
        """At start: take back files a stopped ingester had claimed."""
        return spool.recover_claims(self.directory)

    def drain(self, now: datetime) -> Drained:
        """Store everything waiting; stop when the database is down.

        A file the database refuses as it is (a value it cannot hold) would be refused
        every round and hold up everything behind it: it is set aside for a person.
        """
        spool.recover_claims(self.directory)
        messages = stored_referrals = 0
        for path in spool.waiting(self.directory):
            claimed = spool.claim(path)
            if claimed is None:
                continue  # another ingester has it
            referral = spool.is_referral(path, self.directory)
            try:
                if referral:
                    self._store_referral(spool.read_referral(claimed), now)
                else:
                    self._store_message(spool.read_message(claimed), spool.file_id(path), now)
            except DATABASE_DOWN as error:
                spool.unclaim(claimed)
                log.error("spooled files wait for the database: %s", type(error).__name__)
                return Drained(messages, stored_referrals, type(error).__name__)
            except SQLAlchemyError as error:
                log.error("the database refused a spooled file: %s", type(error).__name__)
                spool.set_aside(claimed, self.directory)
                continue
            except (ValueError, TypeError, KeyError, AttributeError, OSError) as error:
                log.error("spooled file unreadable: %s", type(error).__name__)
                spool.set_aside(claimed, self.directory)
                continue
            # Gone already if a second ingester took it back as abandoned: storing is
            # idempotent, so that one finds it stored and only removes it.
            claimed.unlink(missing_ok=True)
            if referral:
                stored_referrals += 1
            else:
                messages += 1
        if messages or stored_referrals:
            log.info("stored %d spooled message(s), %d referral(s)", messages, stored_referrals)
        return Drained(messages, stored_referrals)

    def _store_message(self, kept: SpooledMessage, file_id: str, now: datetime) -> None:
        delivery = kept.external_id or f"{SPOOL_ID_PREFIX}{file_id}"
        at = datetime.fromisoformat(kept.received_at)
        with self.sessions() as session:
            if kept.stored_as is not None:
                inbound = session.get(Message, kept.stored_as)
                if inbound is None:
                    raise KeyError("message")
                if conversations.replies_to(session, inbound):
                    return  # its turn's end was stored after all
            elif conversations.message_by_external_id(session, delivery) is not None:
                return  # stored already (a retried delivery, or a round cut short)
            else:
                conversation = conversations.find_or_open_conversation(
                    session, kept.team_id, kept.channel, kept.contact_key
                )
                inbound = conversations.add_inbound(
                    session, conversation, kept.text, delivery, at=at
                )
            if inbound.status == "received":
                # Rasa never answered it: a practitioner follows it up (the queue lists it).
                inbound.status = "pending"
            for text in kept.replies:
                conversations.add_outbound(session, inbound, text, (), at=at)
            if kept.risk_categories and not risks.message_is_flagged(session, inbound.id):
                risks.add_risk_flags(
                    session, inbound, kept.risk_categories, kept.risk_evidence, at=at
                )
                self._alert(session, inbound.conversation, now)
                log.warning(
                    "risk found (%s) in a spooled message, conversation %s",
                    ",".join(kept.risk_categories),
                    inbound.conversation_id,
                )
            session.commit()

    def _store_referral(self, kept: SpooledReferral, now: datetime) -> None:
        at = datetime.fromisoformat(kept.received_at)
        with self.sessions() as session:
            conversation = session.get(Conversation, kept.conversation_id)
            if conversation is None:
                raise KeyError("conversation")
            if _already_stored(session, conversation.id, at):
                return
            if kept.record.get("sent") and referrals.holds_newer_answers(
                session, conversation.id, kept.record
            ):
                # Essentials (or answers after them) kept while the database was down,
                # when newer answers of the same referral have been stored since: they
                # hold everything this does.
                return
            team = self.teams.by_id(conversation.team_id)
            referral = referrals.create_referral(
                session,
                conversation,
                kept.record,
                at=at,
                choose_pathway=None if team is None else partial(pathway_for, team.hours),
            )
            self._alert(session, conversation, now)
            session.commit()
            log.info("spooled referral %s stored for team %s", referral.id, referral.team_id)

    def _alert(self, session: Session, conversation: Conversation, now: datetime) -> None:
        team = self.teams.by_id(conversation.team_id)
        if team is not None:
            queue_urgent_alerts(session, conversation.id, team, now)


def _already_stored(session: Session, conversation_id: str, at: datetime) -> bool:
    submitted = session.scalars(
        select(Referral.submitted_at).where(
            Referral.conversation_id == conversation_id, Referral.complete.is_(True)
        )
    )
    return any(moment is not None and as_utc(moment) == as_utc(at) for moment in submitted)

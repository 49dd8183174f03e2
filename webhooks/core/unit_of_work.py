"""The request's one transaction, and the only place in the conversation core that commits.

A turn has fixed checkpoints, each a commit here: the inbound message is stored before
anything else happens to it, a referral is stored before the person hears "sent", and
the replies are stored with the turn's end. Nothing else in the core commits (the alerts
worker, a process of its own, commits after each alert it sends), and the channels never
touch the session at all.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass
class UnitOfWork:
    """One request's database work: the session, its checkpoints, and giving up cleanly."""

    session: Session

    def commit(self) -> None:
        """Make what was written so far durable (raises SQLAlchemyError if it cannot)."""
        self.session.commit()

    def release(self) -> None:
        """End the transaction before waiting on the network (Rasa, Twilio).

        On SQLite every transaction holds the write lock from its start, so a turn that
        kept one open while the bot thinks would make everyone else wait for it.
        """
        self.session.commit()

    def refresh(self) -> None:
        """End the transaction and forget what was read, to see what others committed."""
        self.session.commit()
        self.session.expire_all()

    def rollback(self) -> None:
        """Drop what was not committed; a dead database cannot refuse this."""
        with contextlib.suppress(SQLAlchemyError):
            self.session.rollback()

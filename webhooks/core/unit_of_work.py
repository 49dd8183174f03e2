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

    def rollback(self) -> None:
        """Drop what was not committed; a dead database cannot refuse this."""
        with contextlib.suppress(SQLAlchemyError):
            self.session.rollback()

"""Numbers that texted STOP. Each function takes the session first and never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.crypto import lookup_hash
from webhooks.db.models import OptOut


def _opt_out(session: Session, team_id: str, channel: str, contact_key: str) -> OptOut | None:
    return session.scalars(
        select(OptOut).where(
            OptOut.team_id == team_id,
            OptOut.channel == channel,
            OptOut.contact_hash == lookup_hash(contact_key),
        )
    ).first()


def is_opted_out(session: Session, team_id: str, channel: str, contact_key: str) -> bool:
    """Whether this number has texted STOP to this team (and not START since)."""
    row = _opt_out(session, team_id, channel, contact_key)
    return row is not None and row.opted_out


def set_opted_out(
    session: Session, team_id: str, channel: str, contact_key: str, opted_out: bool, at: datetime
) -> None:
    """Record STOP (True) or START (False) from a number."""
    row = _opt_out(session, team_id, channel, contact_key)
    if row is None:
        row = OptOut(team_id=team_id, channel=channel, contact_key=contact_key)
        session.add(row)
    row.opted_out = opted_out
    row.changed_at = at
    session.flush()

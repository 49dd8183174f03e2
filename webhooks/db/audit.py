"""The audit trail: who looked at, downloaded, exported or changed what, when, from where.

Rows are only ever added. Each function takes the session first and never commits: the
entry lands with what it records (a view's entry with the view's own transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import AuditEvent
from webhooks.db.work import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    at: datetime,
    team_id: str | None,
    referral_id: int | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Add one entry."""
    session.add(
        AuditEvent(
            at=at,
            actor_key=actor.key,
            actor_name=actor.name,
            team_id=team_id,
            action=action,
            referral_id=referral_id,
            detail=detail,
            address=address,
        )
    )
    session.flush()


def entries(
    session: Session,
    team_id: str | None,
    referral_id: int | None = None,
    limit: int = 500,
) -> Sequence[AuditEvent]:
    """The newest entries for one team (None: every team), or for one referral."""
    query = select(AuditEvent)
    if team_id is not None:
        query = query.where(AuditEvent.team_id == team_id)
    if referral_id is not None:
        query = query.where(AuditEvent.referral_id == referral_id)
    return session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)).all()

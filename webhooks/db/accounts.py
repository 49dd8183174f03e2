"""Practitioners and API tokens. Each function takes the session first and never commits."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.db.models import ApiToken, Practitioner


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked table does not leak working tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, team_id: str) -> str:
    """Make a token for one team; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(team_id=team_id, token_hash=hash_token(token)))
    session.flush()
    return token


def team_for_token(session: Session, token: str) -> str | None:
    """The team a live token belongs to, or None."""
    row = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    return row.team_id if row else None


def practitioner_by_email(session: Session, email: str) -> Practitioner | None:
    """The practitioner with this email (case-insensitive), if any."""
    return session.scalars(
        select(Practitioner).where(Practitioner.email == email.strip().lower())
    ).first()


def upsert_practitioner(
    session: Session, email: str, name: str, password_hash: str, team_id: str | None
) -> Practitioner:
    """Create a practitioner, or reset the name, password and team of an existing one."""
    practitioner = practitioner_by_email(session, email)
    if practitioner is None:
        practitioner = Practitioner(email=email.strip().lower())
        session.add(practitioner)
    practitioner.name = name
    practitioner.password_hash = password_hash
    practitioner.team_id = team_id
    session.flush()
    return practitioner

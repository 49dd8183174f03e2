"""Practitioners and API tokens. Each function takes the session first and never commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from webhooks.db.models import ApiToken, Practitioner, as_utc
from webhooks.db.work import Actor

# How often a token's last-used time is brought up to date.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked table does not leak working tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(
    session: Session, team_id: str, name: str | None = None, expires_at: datetime | None = None
) -> str:
    """Make a token for one team, acting as `name`, until `expires_at` (None: no expiry);
    the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(team_id=team_id, token_hash=hash_token(token), name=name, expires_at=expires_at)
    )
    session.flush()
    return token


def live_token(session: Session, token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token with this value (not revoked, not expired at `now`), or None."""
    now = now or datetime.now(timezone.utc)
    found = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if found is None or (found.expires_at is not None and as_utc(found.expires_at) <= now):
        return None
    return found


def use_is_news(token: ApiToken, now: datetime) -> bool:
    """Whether this use should be recorded: at most once a minute, so a busy client does
    not write on every call."""
    last = token.last_used_at
    return last is None or now - as_utc(last) >= LAST_USED_RESOLUTION


def note_use(session: Session, token_id: int, now: datetime) -> None:
    """Record that the token was used now (one UPDATE: a parallel call's is not undone)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now))
        .values(last_used_at=now)
    )


def api_tokens(session: Session, team_id: str | None = None) -> list[ApiToken]:
    """Every token (one team's, or all), oldest first, revoked ones included."""
    query = select(ApiToken).order_by(ApiToken.id)
    if team_id is not None:
        query = query.where(ApiToken.team_id == team_id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, now: datetime) -> ApiToken | None:
    """Stop a token working from now on; None if there is no such token."""
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    return token


def team_for_token(session: Session, token: str) -> str | None:
    """The team a live token belongs to, or None."""
    row = live_token(session, token)
    return row.team_id if row else None


def token_actor(token: ApiToken) -> Actor:
    """Who a token acts as: its name, or "API token <n>" for one made without a name."""
    return Actor(f"token:{token.id}", token.name or f"API token {token.id}")


def practitioner_actor(practitioner: Practitioner) -> Actor:
    """Who a signed-in practitioner acts as."""
    return Actor(f"practitioner:{practitioner.id}", practitioner.name)


def practitioner_by_email(session: Session, email: str) -> Practitioner | None:
    """The practitioner with this email (case-insensitive), if any."""
    return session.scalars(
        select(Practitioner).where(Practitioner.email == email.strip().lower())
    ).first()


def upsert_practitioner(
    session: Session,
    email: str,
    name: str,
    password_hash: str,
    team_id: str | None,
    lead: bool = False,
) -> Practitioner:
    """Create a practitioner, or reset the name, password, team and role of an existing
    one; `lead` makes them a team lead (reassigns work, reads the audit)."""
    practitioner = practitioner_by_email(session, email)
    if practitioner is None:
        practitioner = Practitioner(email=email.strip().lower(), session_version=0)
        session.add(practitioner)
    else:
        # A new password or role: sessions signed in with the old ones end.
        practitioner.session_version += 1
    practitioner.name = name
    practitioner.password_hash = password_hash
    practitioner.team_id = team_id
    practitioner.role = "lead" if lead else "practitioner"
    session.flush()
    return practitioner


def team_practitioners(session: Session, team_id: str) -> list[Practitioner]:
    """The practitioners of one team, by name: whom a lead may hand a referral to."""
    return list(
        session.scalars(
            select(Practitioner).where(Practitioner.team_id == team_id).order_by(Practitioner.name)
        )
    )

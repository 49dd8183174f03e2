"""A team's work on its referrals: who owns which, the steps to a close, notes, history.

Claims are safe when many people (or API clients) act at once: a claim is one
conditional UPDATE ("… where nobody owns it"), so of two claimers exactly one wins, and
"claim next" on PostgreSQL picks its row with `FOR UPDATE SKIP LOCKED`, so concurrent
claimers take different referrals instead of queueing on the same one.

Each function takes the session first and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webhooks.db.models import Alert, Referral, ReferralEvent

# The order work is taken in: risk first, then time-critical, then the oldest.
QUEUE_ORDER = (
    Referral.urgent.desc(),
    Referral.time_critical.desc(),
    Referral.submitted_at,
    Referral.id,
)
# The steps of the work, in order; `closed` needs an outcome.
STATUSES = ("new", "claimed", "contacted", "assessed", "closed")
# Which status may follow which (claiming and releasing move between new and claimed).
NEXT = {
    "new": frozenset({"claimed"}),
    "claimed": frozenset({"new", "contacted", "closed"}),
    "contacted": frozenset({"assessed", "closed"}),
    "assessed": frozenset({"closed"}),
    "closed": frozenset(),
}
OUTCOMES = ("referred_on", "no_further_action", "declined", "unable_to_contact")


@dataclass(frozen=True)
class Actor:
    """Who acts: a practitioner ("practitioner:12") or a named API token ("token:3")."""

    key: str
    name: str


@dataclass(frozen=True)
class Refused:
    """Why a step was not taken: `owner` holds it, or the step does not follow."""

    reason: str
    owner: str | None = None
    # 409: the referral's state forbids it; 422: what was asked is malformed.
    status_code: int = 409


def claim(session: Session, referral: Referral, actor: Actor, now: datetime) -> Refused | None:
    """Make the actor its owner, if nobody is; None when they own it now."""
    if referral.owner_key == actor.key:
        return None
    if referral.status == "closed":
        return Refused("it is closed")
    taken = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.owner_key.is_(None))
        .where(Referral.status != "closed")
        .values(owner_key=actor.key, owner_name=actor.name, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(referral)
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return Refused("someone else has claimed it", owner=referral.owner_name)
    previous = referral.status
    if referral.status == "new":
        referral.status = "claimed"
    _record(session, referral, actor, now, "claimed", previous, referral.status)
    # Someone has it now: the duty alerts have done their job.
    stop_alerts(session, referral, actor, now)
    return None


def claim_next(session: Session, team_id: str, actor: Actor, now: datetime) -> Referral | None:
    """Claim the most urgent, oldest referral nobody owns; None when there is none.

    On PostgreSQL the candidate row is locked with SKIP LOCKED: twenty claimers at once
    take twenty different referrals. Elsewhere (SQLite, one writer at a time) a lost
    race moves on to the next candidate.
    """
    candidates = (
        select(Referral)
        .where(
            Referral.team_id == team_id,
            Referral.owner_key.is_(None),
            Referral.status == "new",
        )
        .order_by(*QUEUE_ORDER)
    )
    if session.get_bind().dialect.name == "postgresql":
        found = session.scalars(candidates.limit(1).with_for_update(skip_locked=True)).first()
        if found is None:
            return None
        return found if claim(session, found, actor, now) is None else None
    for found in session.scalars(candidates.limit(20)).all():
        if claim(session, found, actor, now) is None:
            return found
    return None


def release(session: Session, referral: Referral, actor: Actor, now: datetime) -> Refused | None:
    """Give it back: nobody owns it, and a claimed one is new again."""
    if referral.owner_key != actor.key:
        return Refused("only its owner can release it", owner=referral.owner_name)
    previous = referral.status
    referral.owner_key = referral.owner_name = referral.claimed_at = None
    if referral.status == "claimed":
        referral.status = "new"
    _record(session, referral, actor, now, "released", previous, referral.status)
    return None


def change_status(
    session: Session,
    referral: Referral,
    actor: Actor,
    now: datetime,
    status: str,
    note: str | None = None,
    outcome: str | None = None,
) -> Refused | None:
    """Move it one step on (claimed → contacted → assessed → closed); closing needs an
    outcome. Only its owner moves it; "claimed" claims it, "new" releases it."""
    if status not in STATUSES:
        return Refused(f"status must be one of {', '.join(STATUSES)}", status_code=422)
    if status == "closed" and outcome not in OUTCOMES:
        return Refused(f"closing needs an outcome: one of {', '.join(OUTCOMES)}", status_code=422)
    if status == "claimed" and referral.status == "new":
        refused = claim(session, referral, actor, now)
        if refused is None and note:
            add_note(session, referral, actor, now, note)
        return refused
    if referral.owner_key != actor.key:
        if referral.owner_key is None:
            return Refused("claim it first")
        return Refused("someone else has claimed it", owner=referral.owner_name)
    if status == "new":
        return release(session, referral, actor, now)
    if status not in NEXT.get(referral.status, frozenset()):
        return Refused(f"a {referral.status} referral cannot become {status}")
    previous = referral.status
    referral.status = status
    if status == "closed":
        referral.closed_as, referral.closed_at = outcome, now
        referral.closed_detail = (note or "").strip()[:300] or None
    _record(session, referral, actor, now, "status", previous, status, note)
    stop_alerts(session, referral, actor, now)
    return None


def stop_alerts(session: Session, referral: Referral, actor: Actor, now: datetime) -> None:
    """Someone has the referral: its alerts stop, and who and when is kept (the first
    time only)."""
    if referral.acknowledged_at is None:
        referral.acknowledged_at, referral.acknowledged_by = now, actor.name
    for alert in session.scalars(
        select(Alert).where(Alert.referral_id == referral.id, Alert.status == "pending")
    ):
        alert.status = "acknowledged"
    session.flush()


def reassign(
    session: Session, referral: Referral, lead: Actor, to: Actor, now: datetime
) -> Refused | None:
    """A team lead hands the referral to someone (claimed by them from now)."""
    if referral.status == "closed":
        return Refused("it is closed")
    previous = referral.status
    referral.owner_key, referral.owner_name, referral.claimed_at = to.key, to.name, now
    if referral.status == "new":
        referral.status = "claimed"
    _record(session, referral, lead, now, "reassigned", previous, referral.status, f"to {to.name}")
    stop_alerts(session, referral, lead, now)
    return None


def add_note(session: Session, referral: Referral, actor: Actor, now: datetime, note: str) -> None:
    """A note on the referral, kept in its history."""
    _record(session, referral, actor, now, "note", None, None, note)


def record_acknowledged(session: Session, referral: Referral, actor: Actor, now: datetime) -> None:
    """Who stopped the urgent alerts, kept beside the first time they were stopped."""
    if referral.acknowledged_by is None:
        referral.acknowledged_by = actor.name
    _record(session, referral, actor, now, "acknowledged", None, None)


def _record(
    session: Session,
    referral: Referral,
    actor: Actor,
    now: datetime,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
) -> None:
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            at=now,
            actor_key=actor.key,
            actor_name=actor.name,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            note=(note or "").strip() or None,
        )
    )
    session.flush()

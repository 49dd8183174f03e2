"""Checking a practitioner's password: lockout after wrong passwords in a row, the same work
for an email nobody has, and the changes that end every session of an account.

Each function takes the session first and never commits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webhooks.db import accounts
from webhooks.db.models import Practitioner, as_utc

# Ten wrong passwords in a row lock the account for a quarter of an hour: a person who
# mistypes is never locked out, a guesser gets ten guesses per quarter hour at most.
MAX_FAILED_SIGN_INS = 10
LOCKOUT = timedelta(minutes=15)

# Checked when the email is unknown, so an unknown email takes as long to refuse as a
# wrong password: the response time does not tell whether an account exists.
_NOBODY_HASH = generate_password_hash("not a password anyone has")


class Refusal(enum.Enum):
    """Why a sign-in was refused (for the audit; the person sees one message for all)."""

    WRONG = "wrong_password"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class SignInResult:
    """The practitioner signed in, or why not (and which account, when one was named)."""

    practitioner: Practitioner | None
    refused: Refusal | None


def check(session: Session, email: str, password: str, now: datetime) -> SignInResult:
    """Check an email and password; count a wrong one against the account."""
    practitioner = accounts.practitioner_by_email(session, email)
    if practitioner is None:
        check_password_hash(_NOBODY_HASH, password)
        return SignInResult(None, Refusal.WRONG)
    # The hash is checked in every case, so a locked or disabled account answers as slowly.
    matches = check_password_hash(practitioner.password_hash, password)
    if practitioner.disabled_at is not None:
        return SignInResult(practitioner, Refusal.DISABLED)
    if is_locked(practitioner, now):
        return SignInResult(practitioner, Refusal.LOCKED)
    if not matches:
        _count_wrong_password(session, practitioner, now)
        return SignInResult(practitioner, Refusal.WRONG)
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    session.flush()
    return SignInResult(practitioner, None)


def _count_wrong_password(session: Session, practitioner: Practitioner, now: datetime) -> None:
    # One UPDATE that adds to the count the database holds: guesses sent all at once each
    # count, rather than each reading the same number and writing it plus one.
    count = session.execute(
        update(Practitioner)
        .where(Practitioner.id == practitioner.id)
        .values(failed_sign_ins=Practitioner.failed_sign_ins + 1)
        .returning(Practitioner.failed_sign_ins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if count >= MAX_FAILED_SIGN_INS:
        session.execute(
            update(Practitioner)
            .where(Practitioner.id == practitioner.id)
            .values(locked_until=now + LOCKOUT, failed_sign_ins=0)
            .execution_options(synchronize_session=False)
        )
    session.refresh(practitioner)


def is_locked(practitioner: Practitioner, now: datetime) -> bool:
    """Locked by wrong passwords, and the lockout has not yet run out."""
    return practitioner.locked_until is not None and as_utc(practitioner.locked_until) > now


def end_sessions(session: Session, practitioner: Practitioner) -> None:
    """Every session of this account ends at its next request."""
    practitioner.session_version += 1
    session.flush()


def disable(session: Session, practitioner: Practitioner, now: datetime) -> None:
    """No more sign-ins, and every session ends."""
    practitioner.disabled_at = now
    end_sessions(session, practitioner)


def enable(session: Session, practitioner: Practitioner) -> None:
    """Sign-in allowed again; a lockout is lifted too (the unlock path)."""
    practitioner.disabled_at = None
    practitioner.locked_until = None
    practitioner.failed_sign_ins = 0
    session.flush()


def set_password(session: Session, practitioner: Practitioner, password: str) -> None:
    """A new password (at least 12 characters, checked by the caller); every session ends."""
    practitioner.password_hash = generate_password_hash(password)
    practitioner.failed_sign_ins = 0
    practitioner.locked_until = None
    end_sessions(session, practitioner)

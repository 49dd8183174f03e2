"""What every queue page does on behalf of the signed-in practitioner: find a referral of
their team, know the time, and write the audit entry for what they looked at or did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, request
from flask_login import current_user

from webhooks.db import audit, referrals
from webhooks.db.engine import db_session, recording
from webhooks.db.models import Referral
from webhooks.web.services import services


def team_referral(referral_id: int) -> Referral:
    """The referral if it is the practitioner's team's; else 404, so another team's
    referral is simply not found."""
    referral = referrals.get_referral(db_session(), referral_id, current_user.team_id)
    if referral is None:
        abort(404)
    return referral


def audit_here(
    action: str,
    referral: Referral | None = None,
    detail: dict[str, Any] | None = None,
    team_id: str | None = None,
) -> None:
    """One audit entry: this practitioner, now, from this address, for the referral's
    team (else `team_id`, else the practitioner's); with what the request changed, if it
    changes anything (`recording`)."""
    with recording() as session:
        audit.record(
            session,
            current_user.actor,
            action,
            now(),
            referral.team_id if referral else team_id or current_user.team_id,
            referral.id if referral else None,
            detail,
            request.remote_addr,
        )


def now() -> datetime:
    """The current time (or the pinned TRIAGE_NOW)."""
    return services().now()

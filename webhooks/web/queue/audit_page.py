"""`GET /queue/audit` and `GET /queue/audit.csv`: the team's audit trail, newest first:
who looked at, downloaded, exported or changed what, when (London time) and from where.

Team leads only (`triage user create --lead`): anyone else gets 403. Reading the audit
is itself audited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from webhooks.db import audit
from webhooks.db.engine import db_session
from webhooks.db.models import AuditEvent, Referral
from webhooks.web.queue.acting import audit_here, now
from webhooks.web.queue.csv_download import csv_response, csv_text

bp = Blueprint("audit", __name__)

# The page shows the newest entries; the CSV has every one (up to this many).
ON_PAGE = 200
IN_CSV = 100_000
COLUMNS = (
    "at_london",
    "who",
    "actor",
    "action",
    "reference",
    "referral_id",
    "team",
    "detail",
    "address",
)


@bp.get("/audit")
@login_required
def page() -> ResponseReturnValue:
    """The newest entries, with a link to each referral."""
    _leads_only()
    session = db_session()
    entries = audit.entries(session, current_user.team_id, limit=ON_PAGE)
    references = _references(entries)
    audit_here("view_audit", detail={"shown": len(entries)})
    session.commit()
    return render_template(
        "queue/audit.html", entries=entries, references=references, on_page=ON_PAGE
    )


@bp.get("/audit.csv")
@login_required
def download() -> ResponseReturnValue:
    """Every entry, as CSV."""
    _leads_only()
    session = db_session()
    entries = audit.entries(session, current_user.team_id, limit=IN_CSV)
    references = _references(entries)
    rows = [
        [
            entry.at,
            entry.actor_name,
            entry.actor_key,
            entry.action,
            references.get(entry.referral_id) if entry.referral_id else None,
            entry.referral_id,
            entry.team_id,
            json.dumps(entry.detail, sort_keys=True) if entry.detail else None,
            entry.address,
        ]
        for entry in entries
    ]
    audit_here("export_audit", detail={"rows": len(rows)})
    session.commit()
    return csv_response(csv_text(COLUMNS, rows), f"audit-{now().strftime('%Y%m%d-%H%M')}.csv")


def _references(entries: Sequence[AuditEvent]) -> dict[int, str]:
    """Each referral's reference, by id (one look-up per referral, kept by the session)."""
    session = db_session()
    found: dict[int, str] = {}
    for referral_id in {entry.referral_id for entry in entries if entry.referral_id}:
        referral = session.get(Referral, referral_id)
        if referral is not None:
            found[referral_id] = referral.reference
    return found


def _leads_only() -> None:
    if not current_user.is_lead:
        abort(403, description="Only a team lead can read the audit.")

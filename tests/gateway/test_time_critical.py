"""A referral that must be seen soon rises in the queue and alerts the duty practitioner."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import COMPLETE, Context
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import FromFlow, make_referral
from tests.support.engine_walk import walk_engine
from webhooks.db import referrals
from webhooks.db.models import Referral
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())


def referral_saying(**overrides: str) -> dict[str, Any]:
    """A whole South Essex self-referral with these answers, as the flow hands it over."""
    flow = load_flows()["south_essex"]
    final = list(walk_engine(flow, {**demo_answers("self"), **overrides}, CONTEXT))[-1]
    assert final.state.outcome == COMPLETE
    return referral_record(flow, final.answers, final.state, CONTEXT)


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({"justice_status": "In police custody now"}, ["in_custody"]),
        ({"urgency": "Today"}, ["help_today"]),
        ({"next_date": "25/11/2026"}, ["date_soon"]),  # the day after (a Tuesday's referral)
        ({}, []),  # the demo answers: on bail, a date next March, help this week
    ],
)
def test_a_referral_is_time_critical_for_each_reason(
    from_flow: FromFlow, db: Session, overrides: dict[str, str], reasons: list[str]
) -> None:
    from_flow({"referral": referral_saying(**overrides)})
    stored = db.scalars(select(Referral)).one()
    assert stored.time_critical is bool(reasons)
    assert (stored.time_critical_reasons or {}).get("reasons", []) == reasons


def test_the_queue_lists_risk_then_time_critical_then_the_oldest(
    from_flow: FromFlow, db: Session
) -> None:
    older = make_referral(db, "south-essex", name="Older Plain")
    from_flow({"referral": referral_saying(justice_status="In police custody now")})
    ordered = [r.id for r in referrals.list_referrals(db, "south-essex")]
    custody = db.scalars(select(Referral).where(Referral.time_critical.is_(True))).one()
    assert ordered == [custody.id, older.id]


def test_the_practitioner_reads_why_it_is_time_critical(
    client: FlaskClient,
    from_flow: FromFlow,
    db: Session,
    practitioner_login: Any,
) -> None:
    from_flow({"referral": referral_saying(justice_status="In police custody now")})
    referral = db.scalars(select(Referral)).one()
    practitioner_login("south-essex")
    page = client.get(f"/queue/{referral.id}").get_data(as_text=True)
    assert "Time-critical: see before the moment passes" in page
    assert "In police custody now" in page

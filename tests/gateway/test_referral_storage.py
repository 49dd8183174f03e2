"""Every team's whole self-referral and professional referral, walked through the flow
engine and handed to the gateway as Rasa's reply would hand it: the gateway stores the
record with every field, on SQLite and on PostgreSQL.

The live walks (tests/integration/test_flows_live.py) take one referral by text and one by
web chat through the real Rasa model; these take every team and branch, without Rasa.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import COMPLETE, Context
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import FromFlow
from tests.support.engine_walk import walk_engine
from tests.support.expected import SCORES, SKIPPED, expected_fields
from webhooks.db.models import Referral, ReferralAnswer, as_utc
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())
TEAMS = ("together_london", "coventry_warwickshire", "south_essex")
NAME = "Ruth Okafor"
# The demo answers' consents (data/demo/answers.yml), each given or refused, as each
# team's file asks them: Together asks only its own and the court or police station's.
SIX_CONSENTS = {
    "ld_team": True,
    "court_or_police_station": True,
    "health_social_care": True,
    "police": False,
    "courts": True,
    "probation": False,
}
CONSENTS = {
    "together_london": {"ld_team": True, "court_or_police_station": True},
    "coventry_warwickshire": SIX_CONSENTS,
    "south_essex": SIX_CONSENTS,
}


def walked_record(flow_id: str, branch: str) -> dict[str, Any]:
    """The record the engine hands over at the end of a whole referral."""
    flow = load_flows()[flow_id]
    answers = dict(demo_answers(branch), full_name=NAME)
    final = list(walk_engine(flow, answers, CONTEXT))[-1]
    assert final.state.outcome == COMPLETE
    return referral_record(flow, final.answers, final.state, CONTEXT)


def stored_row(answer: ReferralAnswer) -> dict[str, Any]:
    """One stored answer, in the record's own terms."""
    return {
        "question_id": answer.question_id,
        "section": answer.section,
        "label": answer.label,
        "prompt": answer.prompt,
        "kind": answer.kind,
        "value": answer.value["v"],
        "skipped": answer.skipped,
        "display": answer.display,
        "answered_at": as_utc(answer.answered_at).isoformat() if answer.answered_at else None,
    }


@pytest.mark.parametrize("flow_id", TEAMS)
@pytest.mark.parametrize("branch", ["self", "professional"])
def test_a_walked_referral_is_stored_with_every_field(
    from_flow: FromFlow, db: Session, flow_id: str, branch: str
) -> None:
    record = walked_record(flow_id, branch)
    [sent] = from_flow({"referral": record})
    stored = db.scalars(select(Referral)).one()
    assert sent.text.startswith("Thank you. Your referral has been sent")
    assert stored.reference in sent.text
    assert (stored.status, stored.outcome, stored.urgent) == ("new", "complete", False)
    assert (stored.flow_id, stored.flow_version) == (flow_id, load_flows()[flow_id].version)
    assert stored.perspective == ("self" if branch == "self" else "other")
    fields = {a.question_id: SKIPPED if a.skipped else a.value["v"] for a in stored.answers}
    assert fields == expected_fields(flow_id, branch, NAME)
    # Every answer in the order asked, with the wording seen, its label and when it was given.
    assert [stored_row(answer) for answer in stored.answers] == record["answers"]
    assert {c.recipient: c.given for c in stored.consents} == CONSENTS[flow_id]
    assert {as_utc(c.given_at) for c in stored.consents} == {OPEN_HOURS}
    # Coventry and Warwickshire scores PHQ and GAD for people referring themselves.
    scores = stored.scores["scores"] if stored.scores else []
    complete = {s["id"]: (s["total"], s["band"]) for s in scores if s["complete"]}
    scored = (flow_id, branch) == ("coventry_warwickshire", "self")
    assert complete == (SCORES if scored else {})

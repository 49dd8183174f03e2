"""Every team's full self-referral and professional referral, walked through the engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from flows import load_flows
from flows.model import REVIEW
from flows.record import referral_record
from flows.state import COMPLETE, Context
from tests.support.engine_walk import walk_engine
from tests.support.expected import SCORES, SKIPPED, expected_fields
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=date(2026, 11, 24), now="2026-11-24T10:00:00+00:00")
TEAMS = ("together_london", "coventry_warwickshire", "south_essex")


def walk(flow_id: str, answers: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Answer every question the engine asks; return the record and the ids asked."""
    flow = load_flows()[flow_id]
    steps = list(walk_engine(flow, answers, CONTEXT))
    assert not any(step.risks for step in steps)
    final = steps[-1]
    assert final.state.outcome == COMPLETE
    asked = [step.ask for step in steps if step.ask is not None]
    return referral_record(flow, final.answers, final.state, CONTEXT), asked


def stored(record: dict[str, Any]) -> dict[str, Any]:
    return {a["question_id"]: SKIPPED if a["skipped"] else a["value"] for a in record["answers"]}


@pytest.mark.parametrize("flow_id", TEAMS)
@pytest.mark.parametrize("branch", ["self", "professional"])
def test_it_walks_a_whole_referral_and_stores_every_field(flow_id: str, branch: str) -> None:
    answers = dict(demo_answers(branch), full_name="Ruth Okafor")
    record, asked = walk(flow_id, answers)
    assert stored(record) == expected_fields(flow_id, branch, "Ruth Okafor")
    assert REVIEW in asked
    assert record["flow_id"] == flow_id
    assert record["perspective"] == ("self" if branch == "self" else "other")


def test_every_answer_keeps_the_wording_seen_and_when_it_was_given() -> None:
    record, _ = walk("south_essex", demo_answers("professional"))
    [name] = [a for a in record["answers"] if a["question_id"] == "full_name"]
    # The words the professional was asked: the flow's wording for someone referring another.
    assert name["prompt"] == load_flows()["south_essex"].question("full_name").ask.other
    assert name["label"] == "Full name"
    assert name["answered_at"] == CONTEXT.now
    assert {c["recipient"]: c["given"] for c in record["consents"]} == {
        "ld_team": True,
        "court_or_police_station": True,
        "health_social_care": True,
        "police": False,
        "courts": True,
        "probation": False,
    }


def test_the_coventry_self_referral_scores_phq_and_gad() -> None:
    record, asked = walk("coventry_warwickshire", demo_answers("self"))
    scores = {s["id"]: (s["total"], s["band"]) for s in record["scores"] if s["complete"]}
    assert scores == SCORES
    assert "gad_3" not in asked  # a negative GAD-2 stops there


def test_professionals_are_not_asked_the_self_report_instruments() -> None:
    _, asked = walk("coventry_warwickshire", demo_answers("professional"))
    assert not [qid for qid in asked if qid.startswith(("phq", "gad"))]
    assert "offending_history" in asked

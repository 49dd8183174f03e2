"""A date of birth under South Essex's minimum age ends the referral as any ineligible
ending does: the gateway keeps no referral and no answers, even what a dropped call had
kept; a person of exactly the minimum age is referred as anyone else."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import COMPLETE, DROPPED, INELIGIBLE, Context, Step
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import FromFlow
from tests.support.engine_walk import walk_engine
from webhooks.db.models import Conversation, Referral, ReferralAnswer
from webhooks.dev.scripted import SKIP, demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())
YOUTH = {"guardian_name": SKIP, "guardian_phone": SKIP, "youth_offending_team": SKIP}


def south_essex_steps(born: str) -> list[Step]:
    answers = {**demo_answers("self"), **YOUTH, "date_of_birth": born}
    return list(walk_engine(load_flows()["south_essex"], answers, CONTEXT))


def handed_over(step: Step) -> dict[str, object]:
    """The referral payload the submit action hands the gateway at this step."""
    return {
        "referral": referral_record(load_flows()["south_essex"], step.answers, step.state, CONTEXT)
    }


def referrals_kept(db: Session) -> int:
    """Referrals stored; their answers go with them."""
    db.rollback()  # end this session's read snapshot: see what the gateway committed
    referrals = db.scalar(select(func.count()).select_from(Referral)) or 0
    answers = db.scalar(select(func.count()).select_from(ReferralAnswer)) or 0
    assert (referrals == 0) == (answers == 0)
    return referrals


def test_a_date_of_birth_under_10_in_south_essex_keeps_nothing(
    from_flow: FromFlow, db: Session
) -> None:
    steps = south_essex_steps("03/04/2018")
    ended = steps[-1]
    assert ended.state.outcome == INELIGIBLE
    assert "Childline" in ended.say[0]
    # A call dropped just before the date of birth had kept the name, as incomplete.
    before = steps[-2]
    dropped = replace(before, state=replace(before.state, outcome=DROPPED))
    from_flow(handed_over(dropped))
    assert referrals_kept(db) == 1
    [reply] = from_flow(handed_over(ended))
    assert reply.ends_conversation
    assert referrals_kept(db) == 0
    assert db.scalars(select(Conversation.outcome)).one() == INELIGIBLE


def test_a_person_of_exactly_10_in_south_essex_is_referred(
    from_flow: FromFlow, db: Session
) -> None:
    born_ten_years_ago_today = OPEN_HOURS.date().replace(year=OPEN_HOURS.year - 10)
    final = south_essex_steps(born_ten_years_ago_today.strftime("%d/%m/%Y"))[-1]
    assert final.state.outcome == COMPLETE
    [sent, *_] = from_flow(handed_over(final))
    assert sent.text.startswith("Thank you. Your referral has been sent")
    referral = db.scalars(select(Referral)).one()
    assert referral.status == "new"
    assert {a.question_id for a in referral.answers} >= {"full_name", "date_of_birth"}

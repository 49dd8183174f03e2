"""A referral enters the queue once its essentials are confirmed; what the person answers
after that joins the same referral, and the page shows which answers came later."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import load_flows
from flows.record import referral_record
from flows.state import ADDING, DROPPED, ESSENTIALS, Context, Step
from tests.conftest import OPEN_HOURS
from tests.gateway.conftest import FromFlow
from tests.support.engine_walk import walk_engine
from webhooks.db import referrals
from webhooks.db.models import Referral, ReferralEvent
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())
LATER = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.replace(minute=40).isoformat())


def walk() -> tuple[dict[str, Any], list[Step]]:
    """South Essex, self-referral: the steps from the first question to the end."""
    flow = load_flows()["south_essex"]
    steps = list(walk_engine(flow, demo_answers("self"), CONTEXT))
    sent = next(step for step in steps if step.send)
    return referral_record(flow, sent.answers, sent.state, CONTEXT), steps


def record_at(step: Step, context: Context = LATER) -> dict[str, Any]:
    return referral_record(load_flows()["south_essex"], step.answers, step.state, context)


def later_answers(steps: list[Step]) -> Step:
    """The final step, with its later answers stamped as given forty minutes on."""
    final = steps[-1]
    sent = next(step for step in steps if step.send)
    stamped = {
        qid: (at if qid in sent.answers and sent.answers[qid] is not None else LATER.now)
        for qid, at in final.state.answered_at.items()
    }
    return replace(final, state=replace(final.state, answered_at=stamped))


def test_the_essentials_are_in_the_queue_and_the_conversation_goes_on(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, _ = walk()
    replies = from_flow({"referral": essentials})
    stored = db.scalars(select(Referral)).one()
    assert replies[0].text.startswith("Thank you. Your referral has been sent")
    assert stored.reference in replies[0].text
    assert not any(reply.ends_conversation for reply in replies)
    assert (stored.complete, stored.status, stored.outcome) == (True, "new", ESSENTIALS)


def test_later_answers_join_the_same_referral_and_the_person_is_told_so(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    first = db.scalars(select(Referral)).one()
    reference, sent_at, essential_count = first.reference, first.submitted_at, len(first.answers)
    db.rollback()
    [added] = from_flow({"referral": record_at(later_answers(steps))})
    [stored] = db.scalars(select(Referral)).all()
    assert stored.reference == reference and reference in added.text
    assert added.text.startswith("Thank you. Everything you told me is with your referral")
    assert added.ends_conversation
    assert stored.outcome == "complete" and stored.submitted_at == sent_at
    assert len(stored.answers) > essential_count
    [event] = db.scalars(select(ReferralEvent).where(ReferralEvent.kind == "added")).all()
    assert str(len(stored.answers) - essential_count) in (event.note or "")


def test_a_call_dropped_after_sending_keeps_it_open_for_the_rest(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    midway = next(step for step in steps if step.ask == "postcode")
    dropped = dict(record_at(midway), outcome=DROPPED)
    assert from_flow({"referral": dropped}) == []
    db.rollback()
    [stored] = db.scalars(select(Referral)).all()
    assert (stored.complete, stored.outcome) == (True, ESSENTIALS)
    from_flow({"referral": record_at(later_answers(steps))})
    db.rollback()
    assert db.scalars(select(Referral)).one().outcome == "complete"


def test_a_new_referral_after_an_abandoned_one_is_a_second_referral(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, _ = walk()
    from_flow({"referral": essentials})
    from_flow({"referral": essentials})
    db.rollback()
    assert len(db.scalars(select(Referral)).all()) == 2


def test_the_page_marks_the_answers_added_after_sending(
    from_flow: FromFlow,
    db: Session,
    client: FlaskClient,
    practitioner_login: Callable[..., None],
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    from_flow({"referral": record_at(later_answers(steps))})
    db.rollback()
    stored = db.scalars(select(Referral)).one()
    practitioner_login("south-essex")
    page = client.get(f"/queue/{stored.id}").get_data(as_text=True)
    later = sum(1 for answer in stored.answers if answer.answered_at > stored.submitted_at)
    assert later > 0
    assert page.count("Added after sending") == later


def test_each_later_answer_joins_the_referral_silently_as_it_comes(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    midway = next(step for step in steps if step.ask == "postcode")
    assert from_flow({"referral": dict(record_at(midway), outcome=ADDING)}) == []
    db.rollback()
    [stored] = db.scalars(select(Referral)).all()
    assert stored.outcome == ESSENTIALS  # still open to the rest
    assert {a.question_id for a in stored.answers} >= set(midway.answers) - {
        qid for qid, value in midway.answers.items() if value is None
    }


def test_a_consent_withdrawn_after_sending_stays_withdrawn_when_the_rest_arrives(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    db.rollback()
    referral = db.scalars(select(Referral)).one()
    keys = [referral.conversation.contact_key]
    withdrawn_at = OPEN_HOURS.replace(minute=20)
    assert referrals.withdraw_consents(db, "south-essex", keys, withdrawn_at) >= 1
    db.commit()
    from_flow({"referral": record_at(later_answers(steps))})
    db.rollback()
    stored = db.scalars(select(Referral)).one()
    ld_team = next(c for c in stored.consents if c.recipient == "ld_team")
    assert ld_team.withdrawn_at is not None


def test_answers_after_a_referral_was_closed_do_not_change_it(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    db.rollback()
    first = db.scalars(select(Referral)).one()
    first.status = "closed"
    db.commit()
    from_flow({"referral": record_at(later_answers(steps))})
    db.rollback()
    assert len(db.scalars(select(Referral)).all()) == 2
    db.refresh(first)
    assert first.outcome == ESSENTIALS


def test_a_consent_answered_again_after_sending_is_recorded_as_last_answered(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    final = record_at(later_answers(steps))
    police = next(c for c in final["consents"] if c["recipient"] == "police")
    from_flow({"referral": dict(final, outcome=ADDING)})
    changed = [dict(c, given=not police["given"]) if c is police else c for c in final["consents"]]
    from_flow({"referral": dict(final, consents=changed)})
    db.rollback()
    stored = db.scalars(select(Referral)).one()
    recorded = next(c for c in stored.consents if c.recipient == "police")
    assert recorded.given is (not police["given"])


def test_an_older_copy_stored_late_does_not_undo_newer_answers(
    from_flow: FromFlow, db: Session
) -> None:
    essentials, steps = walk()
    from_flow({"referral": essentials})
    midway = next(step for step in steps if step.ask == "postcode")
    older = dict(record_at(midway, CONTEXT), outcome=ADDING)  # stamped at the start
    from_flow({"referral": dict(record_at(later_answers(steps)), outcome=ADDING)})
    db.rollback()
    count = len(db.scalars(select(Referral)).one().answers)
    from_flow({"referral": older})
    db.rollback()
    assert len(db.scalars(select(Referral)).one().answers) == count

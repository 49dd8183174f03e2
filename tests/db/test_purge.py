"""Retention on a real database, with the clock pinned: a purge deletes exactly what each
team's policy covers, with everything hanging off it, and nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS
from tests.support.held import Held, conversations_left, data_keys, row_counts, seed
from webhooks.config import PROJECT_ROOT
from webhooks.core.purge import Purged, purge
from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import referrals
from webhooks.db.follow_ups import follow_ups
from webhooks.db.models import AuditEvent, Base, Message, Referral
from webhooks.db.retention import CONVERSATION_CHILDREN, DOCUMENT_CHILDREN, REFERRAL_CHILDREN
from webhooks.retention import CLOSED_REFERRALS, CONVERSATIONS, RetentionPolicy
from webhooks.teams import load_teams

NOW = OPEN_HOURS
DAY = timedelta(days=1)
TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
# Policies of the tests' own, so the shipped ones can change without breaking them.
SOUTH_ESSEX = replace(
    TEAMS.teams["south-essex"],
    retention=RetentionPolicy(conversations_without_referral_days=30, closed_referrals_days=365),
)
LONDON = replace(
    TEAMS.teams["together-london"],
    retention=RetentionPolicy(conversations_without_referral_days=60, closed_referrals_days=3650),
)
# Coventry keeps everything: its file (here) says nothing about retention.
COVENTRY = replace(TEAMS.teams["coventry-warwickshire"], retention=None)


@pytest.fixture(autouse=True)
def keys() -> Iterator[None]:
    with data_keys():
        yield


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def held(session: Session) -> dict[str, Held]:
    """Two teams' records, each named for what its team's policy makes of it."""
    came_back = seed(session, "south-essex", NOW - 40 * DAY)
    session.add(
        Message(
            conversation_id=came_back.conversation_id,
            direction="in",
            body="hello again",
            status="answered",
            created_at=NOW - 5 * DAY,
        )
    )
    session.commit()
    return {
        "declined long ago": seed(session, "south-essex", NOW - 40 * DAY),
        "declined lately": seed(session, "south-essex", NOW - 10 * DAY),
        "declined, then came back": came_back,
        "risk not yet followed up": seed(session, "south-essex", NOW - 40 * DAY, followed_up=False),
        "open for years": seed(session, "south-essex", NOW - 5 * 365 * DAY, referral="open"),
        "closed long ago": seed(
            session, "south-essex", NOW - 500 * DAY, referral="closed", closed_at=NOW - 400 * DAY
        ),
        "closed lately": seed(
            session, "south-essex", NOW - 200 * DAY, referral="closed", closed_at=NOW - 100 * DAY
        ),
        "london declined 40 days ago": seed(session, "together-london", NOW - 40 * DAY),
        "london declined 70 days ago": seed(session, "together-london", NOW - 70 * DAY),
        "london closed 400 days ago": seed(
            session,
            "together-london",
            NOW - 500 * DAY,
            referral="closed",
            closed_at=NOW - 400 * DAY,
        ),
        "coventry declined a year ago": seed(session, "coventry-warwickshire", NOW - 365 * DAY),
    }


GONE = {"declined long ago", "closed long ago", "london declined 70 days ago"}


def test_it_deletes_exactly_what_each_teams_policy_covers(
    session: Session, held: dict[str, Held]
) -> None:
    done = purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON, COVENTRY], NOW)

    assert done == [
        Purged("south-essex", CLOSED_REFERRALS, 1, 1),
        Purged("south-essex", CONVERSATIONS, 1, 1),
        Purged("together-london", CLOSED_REFERRALS, 0, 0),
        Purged("together-london", CONVERSATIONS, 1, 1),
    ]
    kept = {name for name in held if name not in GONE}
    assert conversations_left(session) == {held[name].conversation_id for name in kept}
    referrals_left = set(session.scalars(select(Referral.id)))
    assert held["closed long ago"].referral_id not in referrals_left
    assert {held["open for years"].referral_id, held["closed lately"].referral_id} <= referrals_left


def test_nothing_of_what_was_deleted_is_left_in_any_table(
    session: Session, engine: Engine, held: dict[str, Held]
) -> None:
    before = row_counts(engine)
    purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON], NOW)
    after = row_counts(engine)
    # Each seeded conversation holds 3 messages, a risk flag, a check, a file and an
    # alert; each referral one answer, one consent, one note and one alert more.
    gone_conversations, gone_referrals = 3, 1
    assert before["messages"] - after["messages"] == 3 * gone_conversations
    for table in ("risk_flags", "risk_checks", "documents"):
        assert before[table] - after[table] == gone_conversations
    assert before["alerts"] - after["alerts"] == gone_conversations + gone_referrals
    for table in ("referral_answers", "consents", "referral_events"):
        assert before[table] - after[table] == gone_referrals


def test_a_dry_run_counts_the_same_and_changes_nothing(
    session: Session, engine: Engine, held: dict[str, Held]
) -> None:
    before = row_counts(engine)
    counted = purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON], NOW, dry_run=True)
    assert row_counts(engine) == before
    assert purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON], NOW) == counted


def test_each_purge_that_deletes_is_audited_by_kind_and_number_without_personal_data(
    session: Session, held: dict[str, Held]
) -> None:
    purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON], NOW)
    entries = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(entry.team_id, entry.action, entry.detail) for entry in entries] == [
        ("south-essex", "purge", {"class": CLOSED_REFERRALS, "count": 1, "conversations": 1}),
        ("south-essex", "purge", {"class": CONVERSATIONS, "count": 1}),
        ("together-london", "purge", {"class": CONVERSATIONS, "count": 1}),
    ]
    assert all(entry.referral_id is None and entry.address is None for entry in entries)

    # Again: nothing more is past its time, so nothing is deleted or written.
    again = purge(UnitOfWork(session), [SOUTH_ESSEX, LONDON], NOW)
    assert [each.count for each in again] == [0, 0, 0, 0]
    assert len(session.scalars(select(AuditEvent)).all()) == len(entries)


def test_one_teams_policy_never_reaches_another_teams_records(
    session: Session, held: dict[str, Held]
) -> None:
    purge(UnitOfWork(session), [SOUTH_ESSEX], NOW)
    left = conversations_left(session)
    assert held["london declined 70 days ago"].conversation_id in left
    assert held["declined long ago"].conversation_id not in left


def test_an_old_closed_referral_goes_but_its_conversation_stays_while_a_newer_one_needs_it(
    session: Session,
) -> None:
    old = seed(
        session, "south-essex", NOW - 500 * DAY, referral="closed", closed_at=NOW - 400 * DAY
    )
    conversation = session.get(Referral, old.referral_id)
    assert conversation is not None
    newer = referrals.create_referral(
        session,
        conversation.conversation,
        {"flow_id": "south_essex", "flow_version": 1, "answers": []},
        at=NOW - 20 * DAY,
    )
    session.commit()

    done = purge(UnitOfWork(session), [SOUTH_ESSEX], NOW)

    assert done[0] == Purged("south-essex", CLOSED_REFERRALS, 1, 0)
    session.rollback()
    assert set(session.scalars(select(Referral.id))) == {newer.id}
    assert conversations_left(session) == {old.conversation_id}


def test_a_closed_referral_whose_conversation_is_still_in_use_waits(session: Session) -> None:
    old = seed(
        session, "south-essex", NOW - 500 * DAY, referral="closed", closed_at=NOW - 400 * DAY
    )
    session.add(
        Message(
            conversation_id=old.conversation_id,
            direction="in",
            body="hello again",
            status="answered",
            created_at=NOW - 2 * DAY,
        )
    )
    session.commit()

    assert purge(UnitOfWork(session), [SOUTH_ESSEX], NOW)[0] == Purged(
        "south-essex", CLOSED_REFERRALS, 0, 0
    )
    assert session.get(Referral, old.referral_id) is not None


def test_every_table_pointing_at_what_a_purge_deletes_is_deleted_first() -> None:
    """A table added later that points at a conversation, a referral, a message or a file
    must be in the purge's lists, or deleting would fail (or, without the constraint, leave
    personal data behind)."""
    handled = {
        "conversations": {table.__tablename__ for table in CONVERSATION_CHILDREN},
        "referrals": {table.__tablename__ for table in REFERRAL_CHILDREN},
        # A message's children are in its conversation, deleted with it.
        "messages": {table.__tablename__ for table in CONVERSATION_CHILDREN},
        "documents": {table.__tablename__ for table in DOCUMENT_CHILDREN},
    }
    handled["conversations"].add("referrals")
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            parent = key.column.table.name
            if parent in handled:
                assert table.name in handled[parent], f"{table.name} points at {parent}"


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_message_arriving_while_the_purge_runs_keeps_its_conversation(
    engine: Engine, session: Session
) -> None:
    """PostgreSQL lets a turn and the purge run at once (SQLite's write lock takes them in
    turn). The person writes again just as their quiet conversation is found stale: the
    purge waits for the message, sees it, and leaves the conversation."""
    quiet = seed(session, "south-essex", NOW - 40 * DAY)
    failed: list[BaseException] = []

    def run_purge() -> None:
        with Session(engine) as purging:
            try:
                purge(UnitOfWork(purging), [SOUTH_ESSEX], NOW)
            except BaseException as error:  # reported by the test, whatever it is
                failed.append(error)

    with Session(engine) as arriving:
        arriving.add(
            Message(
                conversation_id=quiet.conversation_id,
                direction="in",
                body="are you still there",
                status="answered",
                created_at=NOW,
            )
        )
        arriving.flush()  # written, not yet committed, as a turn in progress
        purging = threading.Thread(target=run_purge)
        purging.start()
        purging.join(timeout=1.5)
        arriving.commit()
    purging.join(timeout=30)

    assert not purging.is_alive()
    assert failed == []
    assert quiet.conversation_id in conversations_left(session)


def test_what_an_ineligible_ending_kept_goes_with_its_quiet_conversation(
    session: Session,
) -> None:
    """A team's keep_when_ineligible keeps a few answers as an "ineligible" record: that is
    no referral, so it goes when its conversation has been quiet for the team's days."""
    old = seed(session, "south-essex", NOW - 40 * DAY, referral="ineligible")
    recent = seed(session, "south-essex", NOW - 10 * DAY, referral="ineligible")

    purge(UnitOfWork(session), [SOUTH_ESSEX], NOW)

    left = conversations_left(session)
    assert old.conversation_id not in left
    assert recent.conversation_id in left
    assert session.scalars(select(Referral.id)).all() == [recent.referral_id]


def test_an_ineligible_person_who_showed_risk_is_followed_up_and_kept_until_then(
    session: Session,
) -> None:
    """Kept answers of an ineligible ending do not hide risk: the conversation is on
    "also to contact", and no purge takes it before someone has followed it up."""
    at_risk = seed(session, "south-essex", NOW - 40 * DAY, referral="ineligible", followed_up=False)

    waiting = follow_ups(session, "south-essex")
    purge(UnitOfWork(session), [SOUTH_ESSEX], NOW)

    assert [(item.conversation.id, item.reasons) for item in waiting] == [
        (at_risk.conversation_id, ("risk",))
    ]
    assert at_risk.conversation_id in conversations_left(session)

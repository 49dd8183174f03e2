"""`triage subject-access`, `triage erase` and `triage purge` on a real database, and
Rasa's memory of the conversations going with them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import OPEN_HOURS, POSTGRES_URL, TWILIO_AUTH_TOKEN
from tests.support.held import DATA_KEYS, Held, conversations_left, data_keys, seed
from webhooks.cli import main as triage
from webhooks.core.subject_rights import erase, subject_access
from webhooks.db import crypto
from webhooks.db.engine import make_engine
from webhooks.db.models import AuditEvent, OptOut
from webhooks.db.retention import BotMemory

NOW = OPEN_HOURS
DAY = timedelta(days=1)
PHONE = "+447911123456"
OTHER_PHONE = "+447911654321"


@pytest.fixture(autouse=True)
def keys() -> Iterator[None]:
    with data_keys():
        yield


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def memory(database_url: str) -> Iterator[BotMemory]:
    """Rasa's events table where `triage up` has Rasa keep it: beside the SQLite file, or
    (a schema of this test's own) in the same PostgreSQL database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = Path(url.database)
        rasa = BotMemory(f"sqlite:///{path.with_name(f'{path.stem}-rasa{path.suffix}')}")
        _make_events(create_engine(rasa.url), None)
        yield rasa
        return
    schema = f"rasa_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    _make_events(admin, schema)
    try:
        yield BotMemory(database_url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _events(schema: str | None) -> Table:
    # Rasa's own table (rasa/core/tracker_store.py, SQLEvent), as far as it matters here.
    return Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255), nullable=False, index=True),
        Column("type_name", String(255), nullable=False),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
        schema=schema,
    )


def _make_events(engine: Engine, schema: str | None) -> None:
    _events(schema).metadata.create_all(engine)
    engine.dispose()


def remember(memory: BotMemory, conversation_id: str, name: str, value: str) -> None:
    """A slot Rasa set in one conversation (an answer given in a form not yet sent)."""
    engine = create_engine(memory.url.replace("postgresql://", "postgresql+psycopg://", 1))
    event = {"event": "slot", "timestamp": NOW.timestamp(), "name": name, "value": value}
    with engine.begin() as connection:
        connection.execute(
            insert(_events(memory.schema)).values(
                sender_id=conversation_id,
                type_name="slot",
                timestamp=NOW.timestamp(),
                # As Rasa's store writes it: encrypted under the data keys.
                data=crypto.encrypt(json.dumps(event)),
            )
        )
    engine.dispose()


def remembered(memory: BotMemory, conversation_id: str) -> list[str]:
    return [json.loads(data)["value"] for _at, data in memory.slots(conversation_id)]


@pytest.fixture
def people(session: Session, memory: BotMemory) -> dict[str, Held]:
    """The number's texts to South Essex (a closed referral), its call to Together
    London (no referral) and its STOP; another number's texts to South Essex."""
    held = {
        "texts": seed(
            session,
            "south-essex",
            NOW - 10 * DAY,
            contact=PHONE,
            words="I was arrested last night",
            referral="closed",
            closed_at=NOW - 2 * DAY,
        ),
        "call": seed(
            session,
            "together-london",
            NOW - 3 * DAY,
            channel="voice",
            contact="CA" + uuid.uuid4().hex,
            phone=PHONE,
            words="my neighbour keeps shouting",
        ),
        "someone else": seed(
            session, "south-essex", NOW - DAY, contact=OTHER_PHONE, words="Nobody else's words"
        ),
    }
    session.add(OptOut(team_id="south-essex", channel="sms", contact_key=PHONE, changed_at=NOW))
    session.commit()
    remember(memory, held["call"].conversation_id, "town", "Croydon")
    remember(memory, held["someone else"].conversation_id, "town", "Basildon")
    return held


def test_subject_access_finds_everything_held_about_the_number_and_nothing_else(
    session: Session, memory: BotMemory, people: dict[str, Held]
) -> None:
    copy = subject_access(session, PHONE, NOW, memory)
    session.commit()

    texts, call = copy["conversations"]
    assert (texts["id"], call["id"]) == (
        people["texts"].conversation_id,
        people["call"].conversation_id,
    )
    assert (texts["team"], call["team"], call["phone"]) == ("south-essex", "together-london", PHONE)
    assert "I was arrested last night" in [message["body"] for message in texts["messages"]]
    assert "my neighbour keeps shouting" in [message["body"] for message in call["messages"]]
    [referral] = texts["referrals"]
    assert [(a["question_id"], a["value"]) for a in referral["answers"]] == [
        ("full_name", "Sam Jones")
    ]
    assert [c["recipient"] for c in referral["consents"]] == ["ld_team"]
    assert [e["note"] for e in referral["history"]] == ["Spoke to Sam"]
    assert referral["status"] == "closed"
    [document] = texts["documents"]
    assert document["filename"] == "letter.pdf" and "encrypted" not in document
    assert [flag["category"] for flag in texts["risk_flags"]] == ["self"]
    assert [check["answer"] for check in call["risk_checks"]] == ["no"]
    assert [(a["name"], a["value"]) for a in call["answers_in_progress"]] == [("town", "Croydon")]
    assert copy["opt_outs"] == [
        {"team": "south-essex", "channel": "sms", "opted_out": True, "changed_at": NOW.isoformat()}
    ]
    written = json.dumps(copy)
    assert "Nobody else's words" not in written and "Basildon" not in written
    assert OTHER_PHONE not in written


def test_subject_access_and_erase_are_audited_without_the_number(
    session: Session, memory: BotMemory, people: dict[str, Held]
) -> None:
    subject_access(session, PHONE, NOW, memory)
    erase(session, PHONE, NOW, memory)
    session.commit()
    entries = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(entry.action, entry.team_id, entry.detail) for entry in entries] == [
        ("subject_access", "south-essex", {"conversations": 1, "referrals": 1, "opt_outs": 1}),
        ("subject_access", "together-london", {"conversations": 1, "referrals": 0, "opt_outs": 0}),
        ("erase", "south-essex", {"conversations": 1, "referrals": 1, "opt_outs": 1}),
        ("erase", "together-london", {"conversations": 1, "referrals": 0, "opt_outs": 0}),
    ]
    assert "7911123456" not in json.dumps([[e.actor_name, e.detail] for e in entries])


def test_erase_removes_everything_of_the_number_and_nothing_else(
    session: Session, memory: BotMemory, people: dict[str, Held]
) -> None:
    erase(session, PHONE, NOW, memory)
    session.commit()

    assert conversations_left(session) == {people["someone else"].conversation_id}
    assert session.scalars(select(OptOut)).all() == []
    assert remembered(memory, people["call"].conversation_id) == []
    assert remembered(memory, people["someone else"].conversation_id) == ["Basildon"]
    assert subject_access(session, PHONE, NOW, memory)["conversations"] == []


# The commands, as an operator runs them.


def run(database_url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        triage,
        list(args),
        input=stdin,
        env={
            "DATABASE_URL": database_url,
            "TRIAGE_NOW": NOW.isoformat(),
            "SECRET_KEY": "worker-test-secret",
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            **DATA_KEYS,
        },
    )


def test_triage_subject_access_prints_the_copy_as_json_for_a_number_written_any_way(
    database_url: str, people: dict[str, Held]
) -> None:
    done = run(database_url, "subject-access", "--phone", "07911 123456")
    assert done.exit_code == 0, done.output
    copy = json.loads(done.output)
    assert copy["phone"] == PHONE
    assert [each["team"] for each in copy["conversations"]] == ["south-essex", "together-london"]


@pytest.mark.parametrize("phone", ["12345", "+44 7911", "not a number"])
def test_a_number_that_is_not_valid_is_refused_saying_so(database_url: str, phone: str) -> None:
    done = run(database_url, "subject-access", "--phone", phone)
    assert done.exit_code == 2
    assert "phone number" in done.output


def test_triage_erase_asks_first_and_does_nothing_without_a_yes(
    database_url: str, session: Session, people: dict[str, Held]
) -> None:
    done = run(database_url, "erase", "--phone", PHONE, stdin="")
    assert done.exit_code == 1
    assert "south-essex: 1 conversation(s), 1 referral(s), 1 STOP record(s)" in done.output
    assert "together-london: 1 conversation(s), 0 referral(s), 0 STOP record(s)" in done.output
    assert len(conversations_left(session)) == 3


def test_triage_erase_with_yes_erases(
    database_url: str, session: Session, memory: BotMemory, people: dict[str, Held]
) -> None:
    done = run(database_url, "erase", "--phone", PHONE, "--yes")
    assert done.exit_code == 0, done.output
    assert "Erased." in done.output
    assert conversations_left(session) == {people["someone else"].conversation_id}
    if memory.schema is None:  # on PostgreSQL the command looks in the schema `rasa`
        assert remembered(memory, people["call"].conversation_id) == []
    again = run(database_url, "erase", "--phone", PHONE)
    assert again.exit_code == 0, again.output
    assert "Nothing is held about that number." in again.output


def test_triage_purge_dry_run_counts_then_purge_deletes_one_team_only(
    database_url: str, session: Session
) -> None:
    # The shipped policies: conversations without a referral are kept 30 days.
    old = seed(session, "south-essex", NOW - 40 * DAY)
    london = seed(session, "together-london", NOW - 40 * DAY)

    dry = run(database_url, "purge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was deleted." in dry.output
    assert "south-essex  conversations_without_referral  1" in dry.output
    assert "together-london  conversations_without_referral  1" in dry.output
    assert "south-essex  closed_referrals  0 (with 0 conversation(s))" in dry.output
    assert conversations_left(session) == {old.conversation_id, london.conversation_id}

    done = run(database_url, "purge", "--team", "south-essex")
    assert done.exit_code == 0, done.output
    assert "south-essex  conversations_without_referral  1" in done.output
    assert "together-london" not in done.output
    assert conversations_left(session) == {london.conversation_id}


def test_triage_purge_refuses_a_team_it_does_not_know(database_url: str) -> None:
    done = run(database_url, "purge", "--team", "nowhere")
    assert done.exit_code == 2
    assert "no team 'nowhere'" in done.output


def test_the_worker_purges_in_its_round(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    old = seed(session, "south-essex", NOW - 40 * DAY)
    recent = seed(session, "south-essex", NOW - 3 * DAY)
    done = CliRunner().invoke(
        triage,
        ["alerts", "--once"],
        env={
            "DATABASE_URL": database_url,
            "TRIAGE_NOW": NOW.isoformat(),
            "SECRET_KEY": "worker-test-secret",
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "TRIAGE_SPOOL_DIR": str(tmp_path / "spool"),
            **DATA_KEYS,
        },
    )
    assert done.exit_code == 0, done.output
    assert (
        "past its time and deleted: south-essex  conversations_without_referral  1" in done.output
    )
    left = conversations_left(session)
    assert old.conversation_id not in left and recent.conversation_id in left

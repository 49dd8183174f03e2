"""Conversations with everything that can hang off one, at chosen moments: what retention
and subject-rights tests delete, find and count."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from webhooks.db import crypto, referrals
from webhooks.db.models import (
    Alert,
    Base,
    Conversation,
    Document,
    Message,
    ReferralEvent,
    RiskCheck,
    RiskFlag,
)

# Data keys of these tests' own, as the commands read them from their environment.
DATA_KEYS = {
    "TRIAGE_DATA_KEYS": "cmV0ZW50aW9uIHRlc3RzOiBub3QgYSByZWFsIGtleSE=",
    "TRIAGE_LOOKUP_KEY": "retention tests: a lookup key, not a real one",
}


@contextmanager
def data_keys() -> Iterator[None]:
    """DATA_KEYS for this process while the test runs; the keys before, afterwards."""
    try:
        before: crypto.DataKeys | None = crypto.keys()
    except crypto.KeysMissing:
        before = None
    crypto.configure_from_env(DATA_KEYS)
    try:
        yield
    finally:
        if before is not None:
            crypto.configure(before.fernet_keys, before.lookup_key)


@dataclass(frozen=True)
class Held:
    """One seeded conversation, and its referral if it has one."""

    conversation_id: str
    referral_id: int | None = None


def seed(
    session: Session,
    team_id: str,
    at: datetime,
    *,
    contact: str | None = None,
    channel: str = "sms",
    phone: str | None = None,
    words: str = "I have been feeling low",
    referral: str | None = None,
    closed_at: datetime | None = None,
    followed_up: bool = True,
) -> Held:
    """A conversation whose every message, file and flag is from `at`: a question asked
    twice, a risk flag and an answered check, a file, an alert; with `referral` "open"
    or "closed" (at `closed_at`), or "ineligible", a referral with answers, consents and
    history. With
    `followed_up` False and no referral, it is still on the "also to contact" list."""
    conversation = Conversation(
        id=str(uuid.uuid4()),
        team_id=team_id,
        channel=channel,
        contact_key=contact or f"+4479111{uuid.uuid4().int % 100000:05d}",
        phone=phone,
        created_at=at,
        updated_at=at,
        outcome="ineligible" if referral == "ineligible" else None if referral else "declined",
        # What an ineligible ending kept is no referral: its risk is followed up as one's.
        followed_up_at=at if followed_up and referral in (None, "ineligible") else None,
        followed_up_by="Pat" if followed_up and referral in (None, "ineligible") else None,
    )
    session.add(conversation)
    session.flush()
    said = Message(
        conversation_id=conversation.id,
        direction="in",
        body=words,
        status="answered",
        created_at=at,
    )
    session.add(said)
    session.flush()
    asked = Message(
        conversation_id=conversation.id,
        direction="out",
        body="What is your full name?",
        question_id="full_name",
        reply_to_id=said.id,
        created_at=at,
    )
    session.add(asked)
    session.flush()
    session.add(
        Message(
            conversation_id=conversation.id,
            direction="out",
            body="When you are ready, what is your full name?",
            reply_to_id=said.id,
            asks_again_id=asked.id,
            created_at=at,
        )
    )
    session.add_all(
        [
            RiskFlag(
                conversation_id=conversation.id,
                message_id=said.id,
                category="self",
                evidence={"phrases": ["feeling low"]},
                created_at=at,
            ),
            RiskCheck(
                conversation_id=conversation.id,
                message_id=said.id,
                category="self",
                evidence={"phrases": ["net"]},
                resumes_id=asked.id,
                asked_at=at,
                answer="no",
                answered_at=at,
                answer_id=said.id,
            ),
            Document(
                conversation_id=conversation.id,
                source_id=f"upload-{uuid.uuid4().hex}",
                filename="letter.pdf",
                content_type="application/pdf",
                size_bytes=3,
                sha256="0" * 64,
                encrypted=b"xyz",
                received_at=at,
            ),
            Alert(
                conversation_id=conversation.id,
                kind="sms",
                target="+447700900310",
                status="acknowledged",
                created_at=at,
                next_attempt_at=at,
            ),
        ]
    )
    session.flush()
    # Ids taken before committing: reading them after would begin a transaction that,
    # on SQLite, holds the write lock.
    if referral is None:
        held = Held(conversation.id)
        session.commit()
        return held
    made = referrals.create_referral(
        session,
        conversation,
        {
            "flow_id": "south_essex",
            "flow_version": 1,
            "answers": [
                {
                    "question_id": "full_name",
                    "kind": "text",
                    "label": "Full name",
                    "prompt": "What is your full name?",
                    "value": "Sam Jones",
                    "display": "Sam Jones",
                }
            ],
            "consents": [{"recipient": "ld_team", "given": True, "at": at.isoformat()}],
        },
        at=at,
    )
    session.add_all(
        [
            ReferralEvent(
                referral_id=made.id,
                at=at,
                actor_key="practitioner:1",
                actor_name="Pat",
                kind="note",
                note="Spoke to Sam",
            ),
            Alert(
                referral_id=made.id,
                kind="sms",
                target="+447700900310",
                status="acknowledged",
                created_at=at,
                next_attempt_at=at,
            ),
        ]
    )
    if referral == "closed":
        made.status, made.closed_as, made.closed_at = "closed", "referred_on", closed_at or at
    if referral == "ineligible":
        made.status = "ineligible"  # what a team's keep_when_ineligible keeps
    session.flush()
    held = Held(conversation.id, made.id)
    session.commit()
    return held


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows every table holds (the migrations' own record aside)."""
    tables = [
        table for table in Base.metadata.sorted_tables if inspect(engine).has_table(table.name)
    ]
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables
        }


def conversations_left(session: Session) -> set[str]:
    """The ids of every conversation still held."""
    session.rollback()  # read what is committed now
    found = set(session.scalars(select(Conversation.id)))
    session.rollback()  # and hold no lock (on SQLite, the write lock) afterwards
    return found

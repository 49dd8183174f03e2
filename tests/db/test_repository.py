"""Query functions on a real database: types survive the round trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webhooks.db import accounts, conversations, crypto, referrals, search_terms
from webhooks.db.models import ApiToken, Referral, ReferralAnswer, utcnow

PAYLOAD = {
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
        },
        {
            "question_id": "date_of_birth",
            "kind": "date",
            "label": "Date of birth",
            "prompt": "What is your date of birth?",
            "value": "1991-04-03",
            "display": "03/04/1991",
        },
        {
            "question_id": "contact_number",
            "kind": "uk_phone",
            "label": "Contact number",
            "prompt": "What phone number?",
            "value": "+447911123456",
            "display": "07911 123456",
        },
        {
            "question_id": "consent_share",
            "kind": "yes_no",
            "label": "Consent",
            "prompt": "Do you agree?",
            "value": True,
            "display": "Yes",
        },
    ],
}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def test_a_referral_keeps_every_answer_with_its_type(session: Session) -> None:
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    referral_id = referrals.create_referral(session, conversation, PAYLOAD).id
    session.commit()
    session.expunge_all()
    [stored] = referrals.list_referrals(session, "south-essex")
    assert stored.id == referral_id
    assert stored.reference.startswith("LD-")
    assert [(a.question_id, a.value["v"]) for a in stored.answers] == [
        ("full_name", "Sam Jones"),
        ("date_of_birth", "1991-04-03"),
        ("contact_number", "+447911123456"),
        ("consent_share", True),
    ]


def test_it_finds_the_same_conversation_for_the_same_contact(session: Session) -> None:
    first = conversations.find_or_open_conversation(session, "south-essex", "sms", "+447911123456")
    again = conversations.find_or_open_conversation(session, "south-essex", "sms", "+447911123456")
    other_team = conversations.find_or_open_conversation(
        session, "together-london", "sms", "+447911123456"
    )
    assert first.id == again.id
    assert other_team.id != first.id


def test_a_provider_message_id_is_stored_once(session: Session) -> None:
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    conversations.add_inbound(session, conversation, "hello", "SM123")
    session.commit()
    with pytest.raises(IntegrityError):
        conversations.add_inbound(session, conversation, "hello", "SM123")
    session.rollback()


def test_a_revoked_token_no_longer_works(session: Session) -> None:
    token = accounts.create_api_token(session, "south-essex")
    session.commit()
    assert accounts.team_for_token(session, token) == "south-essex"
    row = session.scalars(select(ApiToken)).one()
    row.revoked_at = utcnow()
    session.commit()
    assert accounts.team_for_token(session, token) is None


def test_answers_added_to_a_sent_referral_rewrite_only_what_changed(
    engine: Engine, session: Session
) -> None:
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    # As the bot hands them over: each answer stamped when it was given.
    first, birth, phone, consent = (
        {**answer, "answered_at": f"2026-11-24T10:0{minute}:00+00:00"}
        for minute, answer in enumerate(PAYLOAD["answers"])
    )
    essentials = {**PAYLOAD, "outcome": "essentials", "sent": True, "answers": [first, birth]}
    referral = referrals.create_referral(session, conversation, essentials)
    session.commit()
    referral_id, kept_ids = referral.id, [answer.id for answer in referral.answers]
    session.expunge_all()  # the next answer comes in another request
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")

    corrected = {**birth, "value": "1991-04-04", "display": "04/04/1991"}
    adding = {**PAYLOAD, "outcome": "adding", "sent": True}
    written: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "referral_answers" in statement and not statement.startswith("SELECT"):
            written.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", note)
    try:
        answers = [first, corrected, phone]
        referrals.create_referral(session, conversation, {**adding, "answers": answers})
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # The corrected answer updated, the new one added; the unchanged one not touched.
    assert sorted(written) == ["INSERT", "UPDATE"]
    session.expunge_all()
    stored = session.get(Referral, referral_id)
    assert stored is not None
    assert [answer.id for answer in stored.answers][:2] == kept_ids
    assert [(a.position, a.question_id, a.value["v"], a.display) for a in stored.answers] == [
        (0, "full_name", "Sam Jones", "Sam Jones"),
        (1, "date_of_birth", "1991-04-04", "04/04/1991"),
        (2, "contact_number", "+447911123456", "07911 123456"),
    ]

    # Gone back over: an answer no longer given is no longer held.
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    referrals.create_referral(session, conversation, {**adding, "answers": [first, consent]})
    session.commit()
    session.expunge_all()
    stored = session.get(Referral, referral_id)
    assert stored is not None
    assert [(a.question_id, a.value["v"]) for a in stored.answers] == [
        ("full_name", "Sam Jones"),
        ("consent_share", True),
    ]
    assert session.scalar(select(func.count()).select_from(ReferralAnswer)) == 2


def test_an_answer_changed_to_an_equal_looking_value_or_first_stamped_is_stored(
    session: Session,
) -> None:
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    answer = {**PAYLOAD["answers"][3], "answered_at": None}
    essentials = {**PAYLOAD, "outcome": "essentials", "sent": True, "answers": [answer]}
    referral_id = referrals.create_referral(session, conversation, essentials).id
    session.commit()
    stored = session.get(Referral, referral_id)
    assert stored is not None
    stored.answers[0].answered_at = None  # as rows stored before answers were stamped
    session.commit()

    # True and 1 are equal in Python, not in what the practitioner reads.
    changed = {**answer, "value": 1, "answered_at": "2026-11-24T10:05:00+00:00"}
    adding = {**PAYLOAD, "outcome": "adding", "sent": True, "answers": [changed]}
    referrals.create_referral(session, conversation, adding)
    session.commit()
    session.expunge_all()
    stored = session.get(Referral, referral_id)
    assert stored is not None
    [held] = stored.answers
    assert held.value == {"v": 1} and held.value["v"] is not True
    assert held.answered_at is not None


def test_a_later_answer_joins_a_sent_referral_without_reading_back_what_is_stored(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
    name, birth, phone, consent = (
        {**answer, "answered_at": f"2026-11-24T10:0{minute}:00+00:00"}
        for minute, answer in enumerate(PAYLOAD["answers"])
    )
    essentials = {**PAYLOAD, "outcome": "essentials", "sent": True, "answers": [name, phone]}
    referral_id = referrals.create_referral(session, conversation, essentials).id
    session.commit()
    session.expunge_all()  # a later turn is another request: nothing of it in memory

    opened: list[str] = []
    written: list[str] = []
    decrypt = crypto.decrypt

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "referral_answers" not in statement:
            return
        if statement.startswith("SELECT") and "referral_answers.prompt" in statement:
            written.append("SELECT of the encrypted columns")
        elif statement.startswith("UPDATE"):
            written.append(statement.split(" WHERE ")[0])
        elif not statement.startswith("SELECT"):
            written.append(statement.split()[0])

    # The flow puts each answer in its place: a later one may come between earlier ones.
    for answers in ([name, birth, phone], [name, birth, phone, consent]):
        conversation = conversations.find_or_open_conversation(session, "south-essex", "sms", "+44")
        adding = {**PAYLOAD, "outcome": "adding", "sent": True, "answers": answers}
        with monkeypatch.context() as patched:
            patched.setattr(crypto, "decrypt", lambda token: opened.append(token) or decrypt(token))
            event.listen(engine, "before_cursor_execute", note)
            try:
                referrals.create_referral(session, conversation, adding)
                session.commit()
            finally:
                event.remove(engine, "before_cursor_execute", note)
        session.expunge_all()
    # Each turn's cost is the new answer (and the place of those after it), not every
    # answer before it: nothing stored is decrypted or written again.
    assert opened == []
    # (one column set: the phone number's place, moved down by the date of birth)
    assert "," not in "".join(written)
    assert sorted(w.split("=")[0] for w in written) == [
        "INSERT",
        "INSERT",
        "UPDATE referral_answers SET position",
    ]
    stored = session.get(Referral, referral_id)
    assert stored is not None
    assert [(a.position, a.question_id, a.value["v"]) for a in stored.answers] == [
        (0, "full_name", "Sam Jones"),
        (1, "date_of_birth", "1991-04-03"),
        (2, "contact_number", "+447911123456"),
        (3, "consent_share", True),
    ]
    # Found by the number and the name given, as before.
    terms = stored.search_terms.split()
    assert search_terms.phone_token("+447911123456") in terms
    assert set(search_terms.name_search(crypto.search_words("Sam Jones"))) <= set(terms)

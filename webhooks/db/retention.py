"""What a retention policy or an erasure covers, found and deleted; and everything held
about one phone number. Each function takes the session first and never commits.

The tables have no cascading deletes, so children go before their parents (the order
is in REFERRAL_CHILDREN and CONVERSATION_CHILDREN). A table added later that points at a
conversation, a referral or a message must be added there too: a test fails until it is
(tests/db/test_purge.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Float,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, aliased

from webhooks.db.crypto import decrypt, lookup_hash
from webhooks.db.models import (
    Alert,
    Consent,
    Conversation,
    Document,
    DocumentPart,
    Message,
    OptOut,
    Referral,
    ReferralAnswer,
    ReferralEvent,
    RiskCheck,
    RiskFlag,
)

# The status of what an ineligible ending kept (webhooks/core/flow_endings.py).
INELIGIBLE = "ineligible"
# Deleted this many at a time, each batch in its own transaction: on SQLite a long
# transaction would hold the write lock a person's next message waits for.
BATCH = 200


# Finding a phone number: the only places a number is looked up for subject rights, so
# the only ones to change if numbers come to be stored differently again.


def conversations_for_phone(session: Session, phone: str) -> list[Conversation]:
    """Every conversation of any team whose contact is this E.164 number: the sender of
    texts or WhatsApp messages, or the caller (a call's contact key is its call id).
    Numbers are stored encrypted: they are found by their keyed hash."""
    number = lookup_hash(phone)
    return list(
        session.scalars(
            select(Conversation)
            .where(or_(Conversation.contact_hash == number, Conversation.phone_hash == number))
            .order_by(Conversation.created_at, Conversation.id)
        )
    )


def opt_outs_for_phone(session: Session, phone: str) -> list[OptOut]:
    """Every team's STOP record for this number."""
    return list(
        session.scalars(
            select(OptOut).where(OptOut.contact_hash == lookup_hash(phone)).order_by(OptOut.id)
        )
    )


# What a policy covers.


def stale_conversations(team_id: str, cutoff: datetime) -> Select[tuple[str]]:
    """One team's conversations that never became a referral, quiet since `cutoff`, and
    not waiting for a practitioner's follow-up (oldest first)."""
    # What an ineligible ending kept (a team's keep_when_ineligible) is no referral: it
    # goes with its conversation.
    has_referral = (
        select(Referral.id)
        .where(Referral.conversation_id == Conversation.id, Referral.status != INELIGIBLE)
        .exists()
    )
    return (
        select(Conversation.id)
        .where(
            Conversation.team_id == team_id,
            ~has_referral,
            _quiet_since(Conversation, cutoff),
            ~_open_follow_up(),
        )
        .order_by(Conversation.updated_at, Conversation.id)
    )


def expired_referrals(
    team_id: str, referral_cutoff: datetime, conversation_cutoff: datetime
) -> Select[tuple[int]]:
    """One team's referrals closed before `referral_cutoff` that can go now (oldest first).

    A conversation is one thread per number, team and channel, and may hold several
    referrals. Its closed referrals go with it once every referral in it is past its time
    and it has been quiet since `conversation_cutoff`; while a newer referral keeps it,
    the old referrals' own records go and the thread stays. One whose only referrals are
    past their time but which is still in use waits until it is quiet.
    """
    thread = aliased(Conversation, name="thread")
    allows = (
        select(thread.id)
        .where(
            thread.id == Referral.conversation_id,
            or_(
                _kept_by_a_referral(thread, referral_cutoff),
                _quiet_since(thread, conversation_cutoff),
            ),
        )
        .correlate(Referral)
        .exists()
    )
    return (
        select(Referral.id)
        .where(Referral.team_id == team_id, _closed_before(Referral, referral_cutoff), allows)
        .order_by(Referral.closed_at, Referral.id)
    )


def conversations_going_with(
    referral_ids: Collection[int] | Select[tuple[int]], referral_cutoff: datetime
) -> Select[tuple[str]]:
    """The conversations of these referrals that nothing keeps: every referral in them
    is closed before `referral_cutoff` (the referrals came from `expired_referrals`)."""
    these = aliased(Referral, name="these")
    theirs = select(these.conversation_id).where(these.id.in_(referral_ids))
    return select(Conversation.id).where(
        Conversation.id.in_(theirs), ~_kept_by_a_referral(Conversation, referral_cutoff)
    )


def count(session: Session, query: Select[tuple[Any]]) -> int:
    """How many rows a query finds."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def first(session: Session, query: Select[tuple[Any]], limit: int = BATCH) -> list[Any]:
    """The first `limit` ids a query finds."""
    return list(session.scalars(query.limit(limit)))


def lock(session: Session, table: type[Any], ids: Collection[Any] | Select[tuple[Any]]) -> None:
    """Lock these rows until the transaction ends (PostgreSQL; SQLite's write lock, taken
    when the transaction began, covers everything already).

    A turn writing to a locked conversation (a message's row points at it) or changing a
    locked referral waits for the purge, and the purge for a turn already writing.
    """
    session.execute(select(table.id).where(table.id.in_(ids)).with_for_update())


def still_found(
    session: Session, query: Select[tuple[Any]], table: type[Any], ids: Collection[Any]
) -> list[Any]:
    """Of `ids`, which `query` found, those it still finds. Asked after `lock`, as a
    statement of its own, it sees what a turn committed while the purge waited for it."""
    return list(session.scalars(query.where(table.id.in_(ids))))


def conversations_of(referral_ids: Collection[int]) -> Select[tuple[str]]:
    """The conversations these referrals are in."""
    return select(Referral.conversation_id).where(Referral.id.in_(referral_ids))


def _closed_before(referral: Any, cutoff: datetime) -> ColumnElement[bool]:
    # Written so that its negation holds for every referral it does not cover (a NULL
    # closing time would make a plain negation unknown, and such a referral would keep
    # nothing).
    return and_(
        referral.status == "closed", referral.closed_at.is_not(None), referral.closed_at < cutoff
    )


def _kept_by_a_referral(conversation: Any, cutoff: datetime) -> ColumnElement[bool]:
    """The conversation holds a referral that is open, or closed since `cutoff`."""
    other = aliased(Referral, name="other_referral")
    return (
        select(other.id)
        .where(
            other.conversation_id == conversation.id,
            other.status != INELIGIBLE,
            ~_closed_before(other, cutoff),
        )
        .correlate(conversation)
        .exists()
    )


def _quiet_since(conversation: Any, cutoff: datetime) -> ColumnElement[bool]:
    """Nothing happened in the conversation since `cutoff`: no message in or out, no
    file, no follow-up recorded."""
    recent_message = (
        select(Message.id)
        .where(Message.conversation_id == conversation.id, Message.created_at >= cutoff)
        .correlate(conversation)
        .exists()
    )
    recent_file = (
        select(Document.id)
        .where(Document.conversation_id == conversation.id, Document.received_at >= cutoff)
        .correlate(conversation)
        .exists()
    )
    return and_(
        conversation.created_at < cutoff,
        conversation.updated_at < cutoff,
        or_(conversation.followed_up_at.is_(None), conversation.followed_up_at < cutoff),
        ~recent_message,
        ~recent_file,
    )


def _open_follow_up() -> ColumnElement[bool]:
    """Still on the queue's "also to contact" list (webhooks/db/follow_ups.py, whose
    reasons this keeps in step with), or a risk check still open: work not yet done."""
    risk = select(RiskFlag.id).where(RiskFlag.conversation_id == Conversation.id).exists()
    pending = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.status == "pending")
        .exists()
    )
    open_check = (
        select(RiskCheck.id)
        .where(RiskCheck.conversation_id == Conversation.id, RiskCheck.answer.is_(None))
        .exists()
    )
    return and_(
        Conversation.followed_up_at.is_(None),
        or_(
            risk,
            pending,
            open_check,
            Conversation.callback_requested.is_(True),
            Conversation.interrupted_at.is_not(None),
        ),
    )


# Deleting.


@dataclass(frozen=True)
class Deleted:
    """How many conversations and referrals one deletion removed."""

    conversations: int = 0
    referrals: int = 0


# What points at a referral, and at a conversation (a message's own children are in its
# conversation too), deleted before it in this order.
REFERRAL_CHILDREN: tuple[type[Any], ...] = (Alert, ReferralAnswer, Consent, ReferralEvent)
CONVERSATION_CHILDREN: tuple[type[Any], ...] = (Alert, RiskCheck, RiskFlag, Document, Message)
# What belongs to a conversation's files, deleted before them.
DOCUMENT_CHILDREN: tuple[type[Any], ...] = (DocumentPart,)


def delete_conversations(session: Session, conversation_ids: Sequence[str]) -> Deleted:
    """Delete these conversations with everything in them: their referrals (answers,
    consents, history), alerts, risk flags and checks, files and messages."""
    if not conversation_ids:
        return Deleted()
    referral_ids = list(
        session.scalars(select(Referral.id).where(Referral.conversation_id.in_(conversation_ids)))
    )
    delete_referrals(session, referral_ids)
    # A message may point at another (the one it answers, the question it asks again):
    # let go of those first, so no order of deletion trips over them.
    session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversation_ids))
        .values(reply_to_id=None, asks_again_id=None)
        .execution_options(synchronize_session=False)
    )
    their_documents = select(Document.id).where(Document.conversation_id.in_(conversation_ids))
    for part in DOCUMENT_CHILDREN:
        _delete(session, part, part.document_id.in_(their_documents))
    for table in CONVERSATION_CHILDREN:
        _delete(session, table, table.conversation_id.in_(conversation_ids))
    _delete(session, Conversation, Conversation.id.in_(conversation_ids))
    return Deleted(conversations=len(conversation_ids), referrals=len(referral_ids))


def delete_referrals(session: Session, referral_ids: Sequence[int]) -> Deleted:
    """Delete these referrals with their answers, consents, history and alerts; their
    conversations stay."""
    if not referral_ids:
        return Deleted()
    for table in REFERRAL_CHILDREN:
        _delete(session, table, table.referral_id.in_(referral_ids))
    _delete(session, Referral, Referral.id.in_(referral_ids))
    return Deleted(referrals=len(referral_ids))


def delete_opt_outs(session: Session, opt_out_ids: Sequence[int]) -> None:
    """Delete these STOP records."""
    if opt_out_ids:
        _delete(session, OptOut, OptOut.id.in_(opt_out_ids))


def _delete(session: Session, table: type[Any], where: ColumnElement[bool]) -> None:
    # Bulk: the rows need not be loaded; anything the session holds is stale afterwards.
    session.execute(delete(table).where(where).execution_options(synchronize_session=False))


# Reading what is held about one conversation.


def referrals_of(session: Session, conversation_id: str) -> list[Referral]:
    """A conversation's referrals, oldest first."""
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.conversation_id == conversation_id)
            .order_by(Referral.id)
        )
    )


def rows_of(session: Session, table: type[Any], conversation_id: str) -> list[Any]:
    """A conversation's rows of one table that has `conversation_id` and `id`, in order."""
    return list(
        session.scalars(
            select(table).where(table.conversation_id == conversation_id).order_by(table.id)
        )
    )


# Rasa's own memory of each conversation.


@dataclass(frozen=True)
class BotMemory:
    """Rasa's tracker store: per conversation (its id is Rasa's sender id), every event of
    the dialogue, including the answers given so far in a form not yet finished. It lives
    in Rasa's own table, `events`: on PostgreSQL in its schema of the same database, on
    SQLite in a file of its own (webhooks/dev/rasa_stores.py says where).

    Each use connects afresh: Rasa may make its table (or file) after this was set up,
    and the table is looked for each time rather than made."""

    url: str = field(repr=False)  # may hold a password
    schema: str | None = None

    @contextmanager
    def _events(self) -> Iterator[tuple[Connection, Table] | None]:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            if not Path(url.database or "").is_file():
                yield None  # Rasa has not run here yet: connecting would make an empty file
                return
            # Rasa's own file, opened as Rasa opens it (none of the gateway's settings).
            engine = create_engine(url)
        else:
            # The gateway's own driver (psycopg 3), as webhooks/db/engine.py chooses it.
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            engine = create_engine(url)
        try:
            with engine.begin() as connection:
                if not inspect(connection).has_table("events", schema=self.schema):
                    yield None  # nor has it made its table
                    return
                yield (
                    connection,
                    Table(
                        "events",
                        MetaData(),
                        Column("sender_id", String(255)),
                        Column("type_name", String(255)),
                        Column("timestamp", Float),
                        Column("data", Text),
                        schema=self.schema,
                    ),
                )
        finally:
            engine.dispose()

    def forget(self, conversation_ids: Collection[str]) -> int:
        """Delete everything Rasa holds of these conversations; how many events."""
        if not conversation_ids:
            return 0
        with self._events() as found:
            if found is None:
                return 0
            connection, events = found
            done = connection.execute(
                delete(events).where(events.c.sender_id.in_(list(conversation_ids)))
            )
            return int(done.rowcount)

    def slots(self, conversation_id: str) -> list[tuple[float | None, str]]:
        """The slot events of one conversation (what the form was told), as Rasa stored
        them: (time, the event as JSON), oldest first."""
        with self._events() as found:
            if found is None:
                return []
            connection, events = found
            rows = connection.execute(
                select(events.c.timestamp, events.c.data)
                .where(events.c.sender_id == conversation_id, events.c.type_name == "slot")
                .order_by(events.c.timestamp)
            )
            return [(row.timestamp, _event_json(row.data)) for row in rows]


def _event_json(data: str) -> str:
    """Rasa's store encrypts each event under the data keys (bot/stores/
    encrypted_tracker_store.py); rows from before it are plain JSON."""
    return data if data.lstrip().startswith("{") else decrypt(data)

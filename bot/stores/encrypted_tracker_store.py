"""Rasa's SQL tracker store with every event encrypted at rest.

Rasa keeps its own copy of each conversation, one row per event in its table `events`.
The `data` column is the whole event as JSON: what the person typed, and the slots that
hold their name, date of birth, address and phone number. This store is Rasa's own
SQLTrackerStore with that one column stored as a Fernet token, under the same data keys
as the gateway's columns: TRIAGE_DATA_KEYS (or a file named by TRIAGE_DATA_KEYS_FILE),
Fernet keys separated by commas, newest first. The newest encrypts and any decrypts, so
a key is rotated by putting a new one in front, restarting, running `triage keys rotate`
(which re-encrypts these rows too: webhooks/dev/rasa_events_keys.py) and only then
dropping the old one.

The other columns stay plain because Rasa selects and orders by them, and none holds
personal data: `sender_id` is the gateway's random conversation id, `type_name` the kind
of event, `timestamp` when it happened, `intent_name` and `action_name` names from the
domain (slot, action and form names; the gateway strips a leading "/" from what a person
types, so a person cannot make Rasa record text of theirs as an intent name).

A bot message that handed over a referral is kept without the record (the gateway keeps
it): flows/kept_by_rasa.py says why.

Rows written before this store was used are plain JSON; they are still read, so an
upgrade keeps the conversations under way, and `triage keys rotate` encrypts them.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base

from flows.kept_by_rasa import kept_copy
from stores.kept_trackers import KeptTrackers
from stores.opened_events import OpenedEvents

KEYS_VARIABLE = "TRIAGE_DATA_KEYS"


class DataKeysMissing(RasaException):
    """TRIAGE_DATA_KEYS is missing or wrong: Rasa must not start (nor store anything plain).

    Not an ImportError or AttributeError: on those Rasa would quietly keep conversations
    in memory instead of failing."""


class EventUnreadable(RasaException):
    """A stored event opens with none of the keys (an older key was dropped too soon)."""


def is_plain(data: str) -> bool:
    """Whether a stored `data` is an event as Rasa writes it (JSON) rather than a token.

    An event is always a JSON object, and a Fernet token is URL-safe base64, which has no
    "{". The re-encryption (webhooks/dev/rasa_events_keys.py) applies the same rule."""
    return data.lstrip().startswith("{")


def data_keys(environ: Mapping[str, str]) -> MultiFernet:
    """The data keys from TRIAGE_DATA_KEYS, else from the file TRIAGE_DATA_KEYS_FILE names.

    Every error is one line that names the variable and never shows a key."""
    raw = environ.get(KEYS_VARIABLE, "").strip()
    file_name = environ.get(f"{KEYS_VARIABLE}_FILE", "").strip()
    if not raw and file_name:
        try:
            raw = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise DataKeysMissing(
                f"{KEYS_VARIABLE}_FILE: cannot read {file_name} ({error.strerror})"
            ) from error
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise DataKeysMissing(
            f"{KEYS_VARIABLE} is not set (set {KEYS_VARIABLE} or {KEYS_VARIABLE}_FILE): "
            "Rasa keeps conversations encrypted under it"
        )
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, UnicodeEncodeError) as error:
        raise DataKeysMissing(
            f"{KEYS_VARIABLE} must be Fernet keys separated by commas, newest first"
        ) from error


class EncryptedEventData(sa.types.TypeDecorator):
    """An event's JSON stored as a Fernet token; plain JSON from before is read as it is."""

    impl = sa.Text
    # Statements may be cached: the keys change how values are stored, never the SQL.
    cache_ok = True

    def __init__(self, keys: MultiFernet, opened: OpenedEvents | None = None) -> None:
        super().__init__()
        self._keys = keys
        self._opened = opened if opened is not None else OpenedEvents()

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        kept = kept_copy(value)
        token = self._keys.encrypt(kept.encode("utf-8")).decode("ascii")
        # Read back at the next turn: it need not be decrypted then.
        self._opened.put(token, kept)
        return token

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or is_plain(value):
            return value
        opened = self._opened.get(value)
        if opened is not None:
            return opened
        try:
            opened = self._keys.decrypt(value.encode("ascii")).decode("utf-8")
            self._opened.put(value, opened)
            return opened
        except (InvalidToken, UnicodeEncodeError) as error:
            raise EventUnreadable(
                f"a stored conversation event opens with none of {KEYS_VARIABLE}: "
                "is an older key missing?"
            ) from error


def event_model(data_type: EncryptedEventData) -> tuple[Any, Any]:
    """Rasa's `events` table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent),
    column for column, with `data` stored through `data_type`; with a base of its own.

    Made for each store, so each store encrypts with its own keys."""
    base: Any = declarative_base()

    class SQLEvent(base):
        __tablename__ = "events"

        # Optional: made only where the database has no auto-increment (as Rasa's).
        id = sa.Column(sa.Integer, sa.Sequence("events_seq", optional=True), primary_key=True)
        sender_id = sa.Column(sa.String(255), nullable=False, index=True)
        type_name = sa.Column(sa.String(255), nullable=False)
        timestamp = sa.Column(sa.Float)
        intent_name = sa.Column(sa.String(255))
        action_name = sa.Column(sa.String(255))
        data = sa.Column(data_type)

    return base, SQLEvent


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same settings, same table) with each event's data
    encrypted under TRIAGE_DATA_KEYS.

    Rasa's own code saves and reads through `self.Base` and `self.SQLEvent`, so giving
    this store its own model is all it takes for encryption. Reading is done here too,
    with Rasa's own query, for speed: Rasa reads every event of a conversation at each
    turn, and made an ORM object of each row only to take its `data`; a quarter of a
    late turn's time in a long referral (py-spy). This reads that one column."""

    def __init__(self, domain: Domain | None = None, **kwargs: Any) -> None:
        # Before connecting, so Rasa stops at start rather than on a person's first turn.
        keys = data_keys(os.environ)
        self.Base, self.SQLEvent = event_model(EncryptedEventData(keys))
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # One write-ahead log append a turn, not a journal made and deleted: a third
            # of the cost of each save. Kept in the file once set.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.kept = KeptTrackers()
        # Trackers lent from `kept` for a turn, with how many of their events are stored.
        self._lent: dict[str, tuple[DialogueStateTracker, int]] = {}

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """As Rasa's SQLTrackerStore reads a conversation, selecting only `data`; or, for
        this session, the tracker this process saved last, when nobody has written since."""
        kept = None if fetch_events_from_all_sessions else self.kept.take(sender_id)
        with self.session_scope() as session:
            if kept is not None and kept.is_current(self._newest_id(session, sender_id)):
                self._lent[sender_id] = (kept.tracker, kept.stored)
                return kept.tracker
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            stored = query.with_entities(self.SQLEvent.data).all()
            events = [json.loads(data) for (data,) in stored]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's events as Rasa does, then keep the tracker for the next turn."""
        sender_id = tracker.sender_id
        self.kept.forget(sender_id)
        try:
            await super().save(tracker)
        finally:
            lent = self._lent.pop(sender_id, None)
        if not _reads_back_as_saved(tracker):
            return
        for event in list(tracker.events)[lent[1] if lent and lent[0] is tracker else 0 :]:
            _without_record(event)
        with self.session_scope() as session:
            newest = self._newest_id(session, sender_id)
        if newest is not None:
            self.kept.keep(sender_id, tracker, newest)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The events not stored yet: for a tracker lent from `kept`, those after the ones
        it was lent with (nobody else writes meanwhile: Rasa holds the conversation's
        lock); otherwise as Rasa finds them, by counting what is stored."""
        lent = self._lent.get(tracker.sender_id)
        if lent is None or lent[0] is not tracker:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, lent[1], len(tracker.events))

    def _newest_id(self, session: Any, sender_id: str) -> int | None:
        newest = (
            session.query(sa.func.max(self.SQLEvent.id))
            .filter(self.SQLEvent.sender_id == sender_id)
            .scalar()
        )
        return None if newest is None else int(newest)


def _reads_back_as_saved(tracker: DialogueStateTracker) -> bool:
    """Whether reading this session back would give this tracker: every event of it,
    from one session begun at its first event (a session started later in it would make
    the reading start there) and no cap on its length."""
    if tracker._max_event_history is not None:
        return False
    return not any(isinstance(event, SessionStarted) for event in list(tracker.events)[1:])


def _without_record(event: Event) -> None:
    """A hand-over in a kept tracker as in the store: without its record."""
    if not isinstance(event, BotUttered) or not isinstance(event.data.get("custom"), dict):
        return
    written = json.dumps(event.as_dict())
    kept = kept_copy(written)
    if kept != written:
        event.data = json.loads(kept)["data"]

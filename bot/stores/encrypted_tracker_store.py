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

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base

from flows.kept_by_rasa import kept_copy
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

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """As Rasa's SQLTrackerStore reads a conversation, selecting only `data`."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            stored = query.with_entities(self.SQLEvent.data).all()
            events = [json.loads(data) for (data,) in stored]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

"""The tables. Every change comes with an Alembic migration in `webhooks/migrations`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from webhooks.db.crypto import EncryptedJSON, EncryptedText, lookup_hash


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC, whatever offset it came with, and read back with its UTC
    offset. SQLite keeps no offset: a London-time moment (an opening time, a pinned
    clock of +01:00) stored as it was would read back an hour out in summer."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value  # already UTC by this project's rule (utcnow, as_utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Timestamps are stored in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp with its UTC offset (SQLite returns it without one)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with JSON for dict-typed columns."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Conversation(Base):
    """One person's exchange with the bot on one channel with one team."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_lookup", "team_id", "channel", "contact_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    # E.164 number for SMS/WhatsApp, a call's id, a random browser id for web chat:
    # encrypted, and found by its keyed hash (set with it, below).
    contact_key: Mapped[str] = mapped_column(EncryptedText())
    contact_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The caller's number (E.164) on a call, when it is not withheld; found by its hash.
    phone: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    phone_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # A call that ended before the referral was sent, and what the person asked for.
    interrupted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    callback_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How the flow ended without a referral: "ineligible" or "declined" (nothing kept).
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    # The referred person's age in years once the flow has it (the crisis contacts for a
    # young person include Childline); the date of birth itself stays in the referral.
    person_age: Mapped[int | None] = mapped_column(default=None)
    # "other" when someone refers another person (a check then asks about them).
    perspective: Mapped[str | None] = mapped_column(String(8), default=None)
    # "Also to contact" closed by a practitioner (risk, a call back, a dropped call with
    # no referral): who, when and what they did. Stops the conversation's duty alerts.
    followed_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    followed_up_by: Mapped[str | None] = mapped_column(String(120), default=None)
    follow_up_note: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # A practitioner talking with the person themselves: the bot stays silent (the safety
    # net does not) until they hand back, or `held_until` passes without a word from them.
    held_by_key: Mapped[str | None] = mapped_column(String(64), default=None)
    held_by_name: Mapped[str | None] = mapped_column(String(120), default=None)
    held_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )

    @validates("contact_key")
    def _hash_contact_key(self, _key: str, value: str) -> str:
        # Whoever sets the key (a new conversation, a call turned into texts, an ended
        # web chat) sets the hash it is found by.
        self.contact_hash = lookup_hash(value)
        return value

    @validates("phone")
    def _hash_phone(self, _key: str, value: str | None) -> str | None:
        self.phone_hash = lookup_hash(value) if value is not None else None
        return value


class Message(Base):
    """Every message in and out, kept before anything else happens to it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    body: Mapped[str] = mapped_column(EncryptedText())
    # Buttons offered with an outgoing message, so a reload shows them again.
    options: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # The flow question an outgoing message asks (as the bot named it), so the gateway
    # knows a question is open, and what kind, without reading its wording.
    question_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # A question asked again after an aside ("When you are ready, ... <question>") points
    # at the message that first asked it, whose words are asked again the next time.
    asks_again_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", name="fk_messages_asks_again"), default=None
    )
    # Twilio's MessageSid: the same delivery retried is recognised, not answered twice.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    # "received" until the bot has answered it; "pending" if the bot could not; "held"
    # when a practitioner had taken the conversation over. A practitioner's own outgoing
    # message: "sending" until Twilio (or the web chat) has it, then "sent" or "failed".
    status: Mapped[str] = mapped_column(String(16), default="received")
    # Who wrote an outgoing message a practitioner sent (None: the bot).
    author: Mapped[str | None] = mapped_column(String(120), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    asks_again: Mapped[Message | None] = relationship(
        remote_side=[id], foreign_keys=[asks_again_id]
    )

    def question_as_asked(self) -> Message:
        """The message that asked this one's question in the bot's own words."""
        return self.asks_again or self


class Referral(Base):
    """A completed referral waiting in the practitioners' queue."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_queue", "team_id", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    team_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int]
    # Where the team's work on it stands: new, claimed, contacted, assessed, closed
    # (webhooks/core/workflow.py says which step may follow which).
    status: Mapped[str] = mapped_column(String(16), default="new")
    # False while the person stopped part way (or the call dropped): kept, listed as
    # incomplete, and completed in place if they carry on.
    complete: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Who works on it (a practitioner or a named API token), and since when.
    owner_key: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    owner_name: Mapped[str | None] = mapped_column(String(120), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Once closed: referred_on, no_further_action, declined, unable_to_contact; and the
    # detail ("referred on to the community mental health team").
    closed_as: Mapped[str | None] = mapped_column(String(32), default=None)
    closed_detail: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # How the conversation ended: "complete", or "stopped" part way.
    outcome: Mapped[str] = mapped_column(String(16), default="complete", server_default="complete")
    # "self" or "other": whether the answers are the person's own words.
    perspective: Mapped[str | None] = mapped_column(String(8), default=None)
    # Totals of scored instruments (PHQ-9, GAD-7) with their bands.
    scores: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    urgent: Mapped[bool] = mapped_column(default=False)
    # Must be seen before a moment passes (in custody now, a date within two working
    # days, help needed today): listed after risk, before the rest. Why, in
    # {"reasons": [...]} (names from data/time_critical.yml).
    time_critical: Mapped[bool] = mapped_column(default=False, server_default=false())
    time_critical_reasons: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # The team pathway it belongs to (custody, court…; data/pathways.yml), for filtering.
    pathway: Mapped[str | None] = mapped_column(String(32), default=None)
    # Keyed hashes of the starts of the person's name and of the phone numbers they gave
    # (webhooks/db/crypto.py): the queue's search finds them without decrypting anything.
    search_terms: Mapped[str] = mapped_column(Text, default=" ", server_default=" ")
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Set when a practitioner acknowledges it; stops urgent alerts being repeated.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), default=None)

    answers: Mapped[list[ReferralAnswer]] = relationship(
        back_populates="referral", order_by="ReferralAnswer.position", cascade="all, delete-orphan"
    )
    consents: Mapped[list[Consent]] = relationship(
        order_by="Consent.id", cascade="all, delete-orphan"
    )
    conversation: Mapped[Conversation] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )


class ReferralEvent(Base):
    """One step in a referral's history: claimed, released, a status change, a note, an
    alert acknowledged. Who, when, and what they wrote. Never changed once written."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_key: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(120))
    # claimed, released, reassigned, status, note, acknowledged
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str | None] = mapped_column(String(16), default=None)
    note: Mapped[str | None] = mapped_column(EncryptedText(), default=None)


class AuditEvent(Base):
    """Who looked at, downloaded, exported or changed what, when, and from where.
    Append-only: nothing in the application updates or deletes a row."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_team_at", "team_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_key: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(120))
    # The team whose data it was (None: every team, or none yet, as at sign-in).
    team_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # view, list, download, export, claim, release, status, note, acknowledge, sign_in…
    action: Mapped[str] = mapped_column(String(32))
    referral_id: Mapped[int | None] = mapped_column(default=None, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)


class ReferralAnswer(Base):
    """One answer: the question asked, the value stored, and how a practitioner reads it."""

    __tablename__ = "referral_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    position: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(Text)
    # The question as asked (it may carry the person's name) and the answer: encrypted.
    prompt: Mapped[str] = mapped_column(EncryptedText())
    # {"v": value} so that booleans, strings and nulls keep their type in JSON.
    value: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    display: Mapped[str] = mapped_column(EncryptedText())
    skipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    section: Mapped[str | None] = mapped_column(String(64), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # A keyed hash of the answer as the bot handed it over (webhooks/db/crypto.py): a later
    # hand-over of the same referral tells what changed without decrypting what is stored.
    # NULL for rows from before it (and for anything that changes an answer elsewhere).
    digest: Mapped[str | None] = mapped_column(String(64), default=None)

    referral: Mapped[Referral] = relationship(back_populates="answers")


class Consent(Base):
    """Agreement to share a referral with one recipient, stamped when given, and when
    withdrawn ("withdraw consent" by text, voice or web chat)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    # ld_team, health_social_care, police, courts, probation
    recipient: Mapped[str] = mapped_column(String(32))
    given: Mapped[bool]
    given_at: Mapped[datetime] = mapped_column(UtcDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Document(Base):
    """A file a person sent (a risk assessment, a letter), kept encrypted.

    The bytes are loaded only when a practitioner downloads the file, never with a list.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # Where it came from (Twilio's media sid, or a random id for an upload): a retried
    # delivery is stored once.
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(EncryptedText())
    # The type read from the file's own bytes, not the one its sender declared.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Stored by earlier versions: the whole file as one token (empty when in parts).
    encrypted: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # How many DocumentParts hold the file; None for a file stored whole in `encrypted`.
    parts: Mapped[int | None]
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DocumentPart(Base):
    """One part of a stored file, encrypted on its own: a file is stored and downloaded a
    part at a time, never held whole in memory. Each part names its file, its place and
    whether it is the last inside what is encrypted (webhooks/documents/cipher.py), so
    parts cannot be swapped, reordered or cut short unnoticed."""

    __tablename__ = "document_parts"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    encrypted: Mapped[bytes] = mapped_column(LargeBinary)


class RiskFlag(Base):
    """A message in which the safety net found risk: what, where, and the words why."""

    __tablename__ = "risk_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    category: Mapped[str] = mapped_column(String(16))  # self, others, from_others
    # {"phrases": [...]}: the words the detector acted on (the person's own: encrypted).
    evidence: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    message: Mapped[Message] = relationship()


class RiskCheck(Base):
    """A check asked because only the learned net saw risk: "are you thinking about
    hurting yourself?". Open until answered; yes, an unclear answer or none at all is
    treated as risk, and a no is kept as checked."""

    __tablename__ = "risk_checks"
    # The worker looks for open checks that have waited too long.
    __table_args__ = (Index("ix_risk_checks_open", "answer", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # The message the net read as risk.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    category: Mapped[str] = mapped_column(String(16))  # self, others, from_others
    # {"phrases": [...]}: why it was asked (the net and its probability).
    evidence: Mapped[dict[str, Any]]
    # The bot's open question before the check, asked again after a no.
    resumes_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # None while open; then "yes", "no", "unclear" or "unanswered".
    answer: Mapped[str | None] = mapped_column(String(16), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)

    message: Mapped[Message] = relationship(foreign_keys=[message_id])
    resumes: Mapped[Message | None] = relationship(foreign_keys=[resumes_id])


class Alert(Base):
    """An "urgent referral waiting" alert to a team's duty practitioner, repeated until
    the referral is acknowledged. It carries no clinical detail, only a link."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The referral it is about; None while risk was shown with no referral yet (it is
    # handed to the referral once one is made).
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", name="fk_alerts_conversation_id_conversations"),
        index=True,
        default=None,
    )
    kind: Mapped[str] = mapped_column(String(16))  # "sms" or "webhook"
    target: Mapped[str] = mapped_column(String(500))
    # The team pathway whose duty practitioner it reaches; sent only while it is working.
    pathway: Mapped[str | None] = mapped_column(String(64), default=None)
    # "pending" (due at next_attempt_at), "acknowledged", or "failed" (gave up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    # What became of the last try: "sent" (handed over, not yet confirmed), "delivered"
    # (Twilio's status callback, a webhook's 2xx, or the local sink), "undelivered".
    delivery: Mapped[str | None] = mapped_column(String(16), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Twilio's Message SID of the last try, to match its status callback.
    provider_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    referral: Mapped[Referral | None] = relationship()
    conversation: Mapped[Conversation | None] = relationship()


class OptOut(Base):
    """A number that texted STOP to a team: no messages until it texts START."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("team_id", "channel", "contact_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    contact_key: Mapped[str] = mapped_column(EncryptedText())
    contact_hash: Mapped[str] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @validates("contact_key")
    def _hash_contact_key(self, _key: str, value: str) -> str:
        self.contact_hash = lookup_hash(value)
        return value


class Practitioner(Base):
    """A person who signs in to the queue; `team_id` None means every team."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    team_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # "lead": may reassign referrals and read the team's audit; else "practitioner".
    role: Mapped[str] = mapped_column(
        String(16), default="practitioner", server_default="practitioner"
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Kept in each session cookie and checked on every request: raising it (sign out
    # everywhere, a new password, disabling) ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A disabled account cannot sign in, and its sessions end.
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Wrong passwords in a row; enough of them lock the account until `locked_until`.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class ApiToken(Base):
    """A bearer token for the JSON API, scoped to one team; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who the token acts for: the owner of its claims, the name in the audit.
    name: Mapped[str | None] = mapped_column(String(120), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # None: never expires (only for tokens made that way on purpose).
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # So a lead can see a token nobody uses any more, and revoke it.
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

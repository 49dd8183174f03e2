"""Referrals, their answers and consents.

Each function takes the session first and never commits.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, Select, and_, delete, func, inspect, or_, select
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from flows.state import ADDING, DROPPED, ESSENTIALS
from webhooks.db import crypto
from webhooks.db.crypto import lookup_hash
from webhooks.db.models import (
    Alert,
    Consent,
    Conversation,
    Referral,
    ReferralAnswer,
    ReferralEvent,
    as_utc,
    utcnow,
)
from webhooks.db.risks import has_risk_flags
from webhooks.db.search_terms import name_search, phone_token, terms_for
from webhooks.db.work import QUEUE_ORDER
from webhooks.time_critical import reasons_for

# The history names the person's own additions as made through the bot.
PERSON_ACTOR, PERSON_ACTOR_NAME = "bot", "The person, through the bot"
# No 0/O or 1/I: a reference is read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def has_referral(session: Session, conversation_id: str) -> bool:
    """Whether a referral was sent from this conversation (not just kept as incomplete)."""
    found = session.scalars(
        select(Referral.id)
        .where(Referral.conversation_id == conversation_id, Referral.complete.is_(True))
        .limit(1)
    ).first()
    return found is not None


def referral_for(session: Session, conversation_id: str) -> Referral | None:
    """The referral made from this conversation (the newest, if ever more than one)."""
    return session.scalars(
        select(Referral)
        .where(Referral.conversation_id == conversation_id)
        .order_by(Referral.id.desc())
        .limit(1)
    ).first()


def incomplete_referral(session: Session, conversation_id: str) -> Referral | None:
    """The referral kept from this conversation when it stopped part way, if any."""
    return session.scalars(
        select(Referral).where(
            Referral.conversation_id == conversation_id,
            Referral.complete.is_(False),
            # A closed one is done with: the person carrying on makes a new referral.
            Referral.status != "closed",
        )
    ).first()


def create_referral(
    session: Session,
    conversation: Conversation,
    payload: dict[str, Any],
    at: datetime | None = None,
    choose_pathway: Callable[[Mapping[str, object]], str | None] | None = None,
) -> Referral:
    """Store a referral with every answer: finished (in the queue) or stopped (incomplete).

    `choose_pathway` sets the referral's pathway from the answers given, when they are
    stored (an older copy of answers stored since changes nothing)."""
    moment = at or utcnow()
    complete = payload.get("complete", True) is not False
    outcome = str(payload.get("outcome") or ("complete" if complete else "stopped"))
    # A referral kept part way (a dropped call) is completed in place, keeping its
    # reference; so is one sent on its essentials, as the later answers arrive. Only
    # essentials sent again are a new referral: the person started over after one.
    adding = bool(payload.get("sent")) and outcome != ESSENTIALS
    enriching = sent_for_more(session, conversation.id) if adding else None
    if enriching is not None and _is_older(payload, _newest_answer(session, enriching)):
        # A copy kept on disk while the database was down, stored after newer answers:
        # what the referral holds already includes everything it says.
        return enriching
    if enriching is not None and outcome != ADDING:
        _record_answers_added(session, enriching, payload, moment)
    referral = (
        incomplete_referral(session, conversation.id)
        or enriching
        or Referral(reference=new_reference(), conversation_id=conversation.id)
    )
    if enriching is None:
        # When it was first sent: the queue counts the wait from then.
        referral.submitted_at = moment
        referral.consents.clear()
    referral.team_id = conversation.team_id
    referral.channel = conversation.channel
    referral.flow_id = str(payload["flow_id"])
    referral.flow_version = int(payload["flow_version"])
    referral.complete = complete
    # Answers added as they come, or a dropped call after sending, leave it waiting for
    # more, as it was; only the end of the conversation finishes it.
    referral.outcome = ESSENTIALS if adding and outcome in (ADDING, DROPPED) else outcome
    referral.perspective = payload.get("perspective")
    referral.scores = {"scores": list(payload["scores"])} if payload.get("scores") else None
    # Risk shown at any point of the conversation makes the referral urgent.
    referral.urgent = has_risk_flags(session, conversation.id)
    answers: list[dict[str, Any]] = list(payload["answers"])
    given = {
        str(answer["question_id"]): answer.get("value")
        for answer in answers
        if not answer.get("skipped")
    }
    reasons = reasons_for(given, moment) if complete else []
    referral.time_critical = bool(reasons)
    referral.time_critical_reasons = {"reasons": reasons} if reasons else None
    _hold_answers(session, referral, answers, moment)
    # From the answers as given: what the referral now holds, without reading it back.
    referral.search_terms = terms_for(
        (
            str(answer["question_id"]),
            str(answer.get("display") or ""),
            answer.get("value"),
            bool(answer.get("skipped")),
        )
        for answer in answers
    )
    if choose_pathway is not None:
        referral.pathway = choose_pathway(given)
    # Each consent as last answered, except that a withdrawal stands whatever comes
    # after it; one no longer answered (gone back over) is no longer recorded.
    wanted = {str(consent["recipient"]): consent for consent in payload.get("consents") or []}
    for recorded in list(referral.consents):
        fresh = wanted.pop(recorded.recipient, None)
        if recorded.withdrawn_at is not None:
            continue
        if fresh is None:
            referral.consents.remove(recorded)
        elif bool(fresh["given"]) != recorded.given:
            recorded.given = bool(fresh["given"])
            recorded.given_at = _moment(fresh.get("at")) or moment
    for consent in wanted.values():
        referral.consents.append(
            Consent(
                recipient=str(consent["recipient"]),
                given=bool(consent["given"]),
                given_at=_moment(consent.get("at")) or moment,
            )
        )
    session.add(referral)
    session.flush()
    return referral


def answer_digest(answer: dict[str, Any]) -> str:
    """A keyed hash of one answer as the bot handed it over (never its text)."""
    handed = json.dumps(answer, sort_keys=True, separators=(",", ":"), default=str)
    return lookup_hash(f"answer:{handed}")


def _hold_answers(
    session: Session, referral: Referral, given: list[dict[str, Any]], moment: datetime
) -> None:
    """Make the referral's answers the payload's, in order, writing only what changed.

    A referral sent on its essentials is handed over again whole after each later answer,
    with the new one in its place among the rest. Reading back and decrypting every stored
    answer to compare made each turn cost more the further into the referral it came: the
    answers are read without their encrypted columns and compared by digest, and each is
    matched by its question, so one put in between moves the rest without rewriting them."""
    if referral.id is not None and "answers" in inspect(referral).unloaded:
        held_rows = session.scalars(
            select(ReferralAnswer)
            .where(ReferralAnswer.referral_id == referral.id)
            .order_by(ReferralAnswer.position)
            .options(defer(ReferralAnswer.prompt), defer(ReferralAnswer.value))
            .options(defer(ReferralAnswer.display))
        ).all()
        set_committed_value(referral, "answers", list(held_rows))
    unmatched: dict[str, deque[ReferralAnswer]] = {}
    for row in referral.answers:
        unmatched.setdefault(row.question_id, deque()).append(row)
    kept: list[ReferralAnswer] = []
    for position, answer in enumerate(given):
        digest = answer_digest(answer)
        rows = unmatched.get(str(answer["question_id"]))
        if not rows:
            kept.append(ReferralAnswer(**_answer_fields(position, answer, moment), digest=digest))
            continue
        row = rows.popleft()
        if row.digest != digest:
            # Changed (or stored before digests): every column written, none read.
            for name, value in _answer_fields(position, answer, moment).items():
                setattr(row, name, value)
                # SQLAlchemy compares with ==, to which {"v": True} and {"v": 1} are equal.
                flag_modified(row, name)
            row.digest = digest
        elif row.position != position:
            row.position = position
        kept.append(row)
    if kept != list(referral.answers):
        # Those no longer given (gone back over) are deleted with the collection's orphans.
        referral.answers = kept


def _answer_fields(position: int, answer: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """One stored answer's columns, from the answer as the bot handed it over."""
    return {
        "position": position,
        "question_id": str(answer["question_id"]),
        "kind": str(answer["kind"]),
        "label": str(answer["label"]),
        "prompt": str(answer["prompt"]),
        "value": {"v": answer.get("value")},
        "display": str(answer.get("display") or ""),
        "skipped": bool(answer.get("skipped")),
        "section": answer.get("section") or None,
        "answered_at": _moment(answer.get("answered_at")) or moment,
    }


def holds_newer_answers(session: Session, conversation_id: str, payload: dict[str, Any]) -> bool:
    """Whether a sent referral of this conversation already holds answers given after the
    newest in this payload (so the payload is an older copy)."""
    sent = session.scalars(
        select(Referral).where(
            Referral.conversation_id == conversation_id, Referral.complete.is_(True)
        )
    )
    return any(_is_older(payload, _newest_answer(session, referral)) for referral in sent)


def _newest_answer(session: Session, referral: Referral) -> datetime | None:
    """When the referral's newest stored answer was given, read without decrypting any."""
    newest = session.scalar(
        select(func.max(ReferralAnswer.answered_at)).where(
            ReferralAnswer.referral_id == referral.id
        )
    )
    return None if newest is None else as_utc(newest)


def _is_older(payload: dict[str, Any], newest_stored: datetime | None) -> bool:
    """The payload's newest answer is older than the referral's newest stored one."""
    given = [_moment(answer.get("answered_at")) for answer in payload.get("answers") or []]
    newest_given = max((as_utc(moment) for moment in given if moment is not None), default=None)
    return newest_given is not None and newest_stored is not None and newest_given < newest_stored


def sent_for_more(session: Session, conversation_id: str) -> Referral | None:
    """The referral this conversation sent after its essentials, still open to more
    (a closed one is done with: what comes after it is not added to it)."""
    return session.scalars(
        select(Referral)
        .where(
            Referral.conversation_id == conversation_id,
            Referral.outcome == ESSENTIALS,
            Referral.status != "closed",
        )
        .order_by(Referral.submitted_at.desc(), Referral.id.desc())
    ).first()


def _record_answers_added(
    session: Session, referral: Referral, payload: dict[str, Any], moment: datetime
) -> None:
    """A line in the referral's history: how many answers the person added after sending."""
    # Question ids are stored in the clear: nothing is decrypted to count.
    before = set(
        session.scalars(
            select(ReferralAnswer.question_id).where(ReferralAnswer.referral_id == referral.id)
        )
    )
    added = [a for a in payload.get("answers") or [] if str(a["question_id"]) not in before]
    if not added:
        return
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            at=moment,
            actor_key=PERSON_ACTOR,
            actor_name=PERSON_ACTOR_NAME,
            kind="added",
            note=f"{len(added)} more answers after it was sent",
        )
    )


def discard_incomplete(session: Session, conversation_id: str) -> bool:
    """Delete a referral kept part way (the person then declined, or cannot be helped)."""
    kept = incomplete_referral(session, conversation_id)
    if kept is None:
        return False
    # Its alerts go with it (nothing is kept of a person who declined); its history goes
    # by the relationship's cascade.
    session.execute(delete(Alert).where(Alert.referral_id == kept.id))
    session.delete(kept)
    session.flush()
    return True


def _moment(value: object) -> datetime | None:
    """An ISO-8601 time from the action server, or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def withdraw_consents(session: Session, team_id: str, keys: Sequence[str], at: datetime) -> int:
    """Withdraw every consent still given on referrals made from these contact keys or
    phone numbers (a text can withdraw what a call gave); return how many."""
    hashes = [lookup_hash(key) for key in keys]
    consents = session.scalars(
        select(Consent)
        .join(Referral, Consent.referral_id == Referral.id)
        .join(Conversation, Referral.conversation_id == Conversation.id)
        .where(
            Conversation.team_id == team_id,
            Conversation.contact_hash.in_(hashes) | Conversation.phone_hash.in_(hashes),
            Consent.given.is_(True),
            Consent.withdrawn_at.is_(None),
        )
    ).all()
    for consent in consents:
        consent.withdrawn_at = at
    session.flush()
    return len(consents)


def new_reference() -> str:
    """A short reference a person can read out, e.g. LD-7K3QPX."""
    return "LD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class Filters:
    """What a practitioner narrows the list to. `status`: one of the workflow's steps,
    "open" (all but closed), "all", or "incomplete" (stopped part way, not closed)."""

    status: str = "open"
    urgent: bool | None = None
    time_critical: bool | None = None
    channel: str | None = None
    # An owner's actor key, "none" (unclaimed), or None (anyone).
    owner: str | None = None
    incomplete: bool | None = None
    # A team pathway (custody, court…); `pathway_or_unplaced` also takes referrals with
    # none recorded (the pickup pathway's, as they were before pathways were recorded).
    pathway: str | None = None
    pathway_or_unplaced: bool = False
    # A name, a reference or a phone number.
    search: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a list, and how many the whole list holds."""

    referrals: list[Referral]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list takes (at least one)."""
        return max(1, -(-self.total // self.per_page))


def find_referrals(
    session: Session, team_id: str | None, filters: Filters, page: int = 1, per_page: int = 50
) -> Page:
    """One page of the team's referrals (None: every team) matching the filters, in the
    order work is taken (risk, time-critical, oldest), with the true total."""
    query = _filtered(select(Referral), team_id, filters)
    total = session.scalar(_filtered(select(func.count(Referral.id)), team_id, filters)) or 0
    rows = session.scalars(
        query.options(selectinload(Referral.answers), selectinload(Referral.consents))
        .order_by(*QUEUE_ORDER)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(list(rows), int(total), page, per_page)


def _filtered(query: Select[Any], team_id: str | None, filters: Filters) -> Select[Any]:
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    if filters.status == "open":
        query = query.where(Referral.status != "closed")
    elif filters.status == "incomplete":
        query = query.where(Referral.complete.is_(False), Referral.status != "closed")
    elif filters.status == "new":
        # As the API always had it: "new" is a sent referral nobody has taken up yet.
        query = query.where(Referral.status == "new", Referral.complete.is_(True))
    elif filters.status != "all":
        query = query.where(Referral.status == filters.status)
    if filters.urgent is not None:
        query = query.where(Referral.urgent.is_(filters.urgent))
    if filters.time_critical is not None:
        query = query.where(Referral.time_critical.is_(filters.time_critical))
    if filters.channel:
        query = query.where(Referral.channel == filters.channel)
    if filters.owner == "none":
        query = query.where(Referral.owner_key.is_(None))
    elif filters.owner:
        query = query.where(Referral.owner_key == filters.owner)
    if filters.pathway:
        on_it = Referral.pathway == filters.pathway
        query = query.where(
            or_(on_it, Referral.pathway.is_(None)) if filters.pathway_or_unplaced else on_it
        )
    if filters.incomplete is not None:
        query = query.where(Referral.complete.is_(not filters.incomplete))
    if filters.search and filters.search.strip():
        query = query.where(_matches(filters.search.strip()))
    return query


# The most words of a search that are matched against names.
MAX_SEARCH_WORDS = 8


def _matches(said: str) -> ColumnElement[bool]:
    """A reference, the start of each word of the name, or a phone number (as the person or
    the caller gave it). Names and numbers are encrypted: they are matched by their keyed
    hashes in `search_terms` (webhooks/db/search_terms.py), never by reading them."""
    # "%" and "_" typed in a search are themselves, not wildcards.
    escaped = said.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    found: list[ColumnElement[bool]] = [func.lower(Referral.reference).like(like, escape="\\")]
    # A name has a few words: more are not a name, and each would add to the query.
    words = crypto.search_words(said)[:MAX_SEARCH_WORDS]
    if words:
        found.append(
            and_(*[Referral.search_terms.contains(f" {token} ") for token in name_search(words)])
        )
    phone = _e164(said)
    if phone is not None:
        hashed = lookup_hash(phone)
        found.append(
            select(Conversation.id)
            .where(
                Conversation.id == Referral.conversation_id,
                or_(Conversation.contact_hash == hashed, Conversation.phone_hash == hashed),
            )
            .exists()
        )
        found.append(Referral.search_terms.contains(f" {phone_token(phone)} "))
    return or_(*found)


def _e164(said: str) -> str | None:
    try:
        number = phonenumbers.parse(said, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def list_referrals(
    session: Session, team_id: str | None, status: str | None = None
) -> list[Referral]:
    """Every open referral of one team (or all), in the order work is taken; with
    `status`, only those (see Filters.status). For a page of them, `find_referrals`."""
    found = find_referrals(session, team_id, Filters(status=status or "open"), 1, 1_000_000)
    return found.referrals


def get_referral(session: Session, referral_id: int, team_id: str | None) -> Referral | None:
    """One referral, only if it belongs to the team (None = any team)."""
    referral = session.get(Referral, referral_id, options=[selectinload(Referral.answers)])
    if referral is None or (team_id is not None and referral.team_id != team_id):
        return None
    return referral

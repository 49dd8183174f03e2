"""Deleting what each team's retention policy says is past its time (`triage purge`, and
the worker on a schedule).

Two kinds of record go (webhooks/retention.py): conversations that never became a
referral, once quiet for the team's weeks; and closed referrals, with their conversation,
once closed for the team's years. Open referrals, and conversations a practitioner has
still to follow up, are never touched. Every query names the team, so one team's policy
never reaches another team's records.

Deleting runs in batches, each committed with its audit entry (what kind, how many; no
personal data): a long transaction would hold SQLite's write lock while people wait to
be answered. A run cut short leaves each batch whole, and the next run carries on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhooks.core.unit_of_work import UnitOfWork
from webhooks.db import audit
from webhooks.db import retention as records
from webhooks.db.models import Conversation, Referral
from webhooks.db.retention import BotMemory
from webhooks.db.work import Actor
from webhooks.retention import CLOSED_REFERRALS, CONVERSATIONS, RetentionPolicy
from webhooks.teams import Team

# Who the audit says did it.
RETENTION_ACTOR = Actor("system:retention", "Retention policy")
AUDIT_ACTION = "purge"


@dataclass(frozen=True)
class Purged:
    """What one team's policy covered of one kind of record (deleted, or on a dry run
    found): `count` conversations, or closed referrals with `conversations` of theirs."""

    team_id: str
    kind: str
    count: int
    conversations: int


def purge(
    work: UnitOfWork,
    teams: Iterable[Team],
    now: datetime,
    dry_run: bool = False,
    memory: BotMemory | None = None,
) -> list[Purged]:
    """Apply each team's policy (teams without one are left alone), committing batch by
    batch; on a dry run count and change nothing. Rasa's memory of each conversation
    deleted goes too, when `memory` says where it is."""
    done: list[Purged] = []
    for team in teams:
        if team.retention is None:
            continue
        done.append(_closed_referrals(work, team.id, team.retention, now, dry_run, memory))
        done.append(_conversations(work, team.id, team.retention, now, dry_run, memory))
    return done


def _conversations(
    work: UnitOfWork,
    team_id: str,
    policy: RetentionPolicy,
    now: datetime,
    dry_run: bool,
    memory: BotMemory | None,
) -> Purged:
    session = work.session
    query = records.stale_conversations(team_id, policy.conversations_cutoff(now))
    if dry_run:
        found = records.count(session, query)
        work.rollback()
        return Purged(team_id, CONVERSATIONS, found, found)
    total = 0
    while candidates := records.first(session, query):
        # Found stale, then looked at again once locked: a person who wrote meanwhile
        # keeps their conversation.
        records.lock(session, Conversation, candidates)
        if batch := records.still_found(session, query, Conversation, candidates):
            if memory is not None:
                memory.forget(batch)
            gone = records.delete_conversations(session, batch)
            _audit(session, team_id, now, CONVERSATIONS, gone.conversations)
            total += gone.conversations
        work.commit()
    work.rollback()  # end the read that found nothing more
    return Purged(team_id, CONVERSATIONS, total, total)


def _closed_referrals(
    work: UnitOfWork,
    team_id: str,
    policy: RetentionPolicy,
    now: datetime,
    dry_run: bool,
    memory: BotMemory | None,
) -> Purged:
    session = work.session
    cutoff = policy.closed_referrals_cutoff(now)
    query = records.expired_referrals(team_id, cutoff, policy.conversations_cutoff(now))
    if dry_run:
        found = records.count(session, query)
        with_them = records.count(session, records.conversations_going_with(query, cutoff))
        work.rollback()
        return Purged(team_id, CLOSED_REFERRALS, found, with_them)
    total = conversations = 0
    while candidates := records.first(session, query):
        # Locked and looked at again: a message into one of their conversations, or a
        # referral reopened, meanwhile keeps it.
        records.lock(session, Conversation, records.conversations_of(candidates))
        records.lock(session, Referral, candidates)
        batch = records.still_found(session, query, Referral, candidates)
        if not batch:
            work.commit()
            continue
        going = list(session.scalars(records.conversations_going_with(batch, cutoff)))
        if memory is not None:
            memory.forget(going)
        gone = records.delete_conversations(session, going)
        # The rest stay in a conversation a newer referral still keeps.
        rest = list(session.scalars(select(Referral.id).where(Referral.id.in_(batch))))
        kept_conversation = records.delete_referrals(session, rest)
        referrals = gone.referrals + kept_conversation.referrals
        _audit(session, team_id, now, CLOSED_REFERRALS, referrals, gone.conversations)
        work.commit()
        total += referrals
        conversations += gone.conversations
    work.rollback()
    return Purged(team_id, CLOSED_REFERRALS, total, conversations)


def _audit(
    session: Session,
    team_id: str,
    now: datetime,
    kind: str,
    count: int,
    conversations: int | None = None,
) -> None:
    detail: dict[str, object] = {"class": kind, "count": count}
    if conversations is not None:
        detail["conversations"] = conversations
    audit.record(session, RETENTION_ACTOR, AUDIT_ACTION, now, team_id, detail=detail)

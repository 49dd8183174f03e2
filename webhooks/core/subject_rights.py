"""A person's rights over what is held about them, asked by phone number: a copy of
everything (`triage subject-access`) and erasure (`triage erase`).

Everything is found through the conversations whose contact is the number, of every team
(webhooks/db/retention.py has the one look-up). The audit records that a request was
handled, for which team and how much, never the number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from webhooks.db import audit
from webhooks.db import retention as records
from webhooks.db.models import (
    Alert,
    Conversation,
    Document,
    Message,
    OptOut,
    Referral,
    RiskCheck,
    RiskFlag,
    as_utc,
)
from webhooks.db.retention import BotMemory
from webhooks.db.work import Actor

# Who the audit says acted: an operator at the command line, on the person's request.
SUBJECT_RIGHTS_ACTOR = Actor("system:subject-rights", "Subject rights request")


def subject_access(
    session: Session, phone: str, now: datetime, memory: BotMemory | None = None
) -> dict[str, Any]:
    """Everything held about one E.164 number, as JSON-ready data; audited per team."""
    found = records.conversations_for_phone(session, phone)
    opt_outs = records.opt_outs_for_phone(session, phone)
    copy = {
        "phone": phone,
        "made_at": _moment(now),
        "conversations": [_conversation(session, each, memory) for each in found],
        "opt_outs": [
            {
                "team": row.team_id,
                "channel": row.channel,
                "opted_out": row.opted_out,
                "changed_at": _moment(row.changed_at),
            }
            for row in opt_outs
        ],
    }
    _audit(session, "subject_access", now, _by_team(session, found, opt_outs))
    return copy


@dataclass(frozen=True)
class Erased:
    """What one erasure removed (or would remove) for one team."""

    team_id: str
    conversations: int
    referrals: int
    opt_outs: int


def held_for(session: Session, phone: str) -> list[Erased]:
    """What an erasure of this number would remove, team by team."""
    found = records.conversations_for_phone(session, phone)
    opt_outs = records.opt_outs_for_phone(session, phone)
    return [
        Erased(team_id, counted["conversations"], counted["referrals"], counted["opt_outs"])
        for team_id, counted in _by_team(session, found, opt_outs).items()
    ]


def erase(
    session: Session, phone: str, now: datetime, memory: BotMemory | None = None
) -> list[Erased]:
    """Delete everything held about one number, in every team, and Rasa's memory of its
    conversations; one audit entry per team (none of them names the number). The caller
    commits."""
    erased = held_for(session, phone)
    found = [conversation.id for conversation in records.conversations_for_phone(session, phone)]
    opt_outs = [row.id for row in records.opt_outs_for_phone(session, phone)]
    if memory is not None:
        memory.forget(found)
    for start in range(0, len(found), records.BATCH):
        records.delete_conversations(session, found[start : start + records.BATCH])
    records.delete_opt_outs(session, opt_outs)
    _audit(
        session,
        "erase",
        now,
        {
            each.team_id: {
                "conversations": each.conversations,
                "referrals": each.referrals,
                "opt_outs": each.opt_outs,
            }
            for each in erased
        },
    )
    return erased


def _audit(
    session: Session, action: str, now: datetime, by_team: dict[str, dict[str, int]]
) -> None:
    """One entry per team whose records it covered; one for no team when none held any
    (the request is on record all the same)."""
    entries: list[tuple[str | None, dict[str, int]]] = [*by_team.items()]
    for team_id, counted in entries or [(None, _nothing())]:
        audit.record(session, SUBJECT_RIGHTS_ACTOR, action, now, team_id, detail=counted)


def _by_team(
    session: Session, conversations: list[Conversation], opt_outs: list[OptOut]
) -> dict[str, dict[str, int]]:
    counted: dict[str, dict[str, int]] = {}
    for conversation in conversations:
        team = counted.setdefault(conversation.team_id, _nothing())
        team["conversations"] += 1
        team["referrals"] += len(records.referrals_of(session, conversation.id))
    for row in opt_outs:
        counted.setdefault(row.team_id, _nothing())["opt_outs"] += 1
    return dict(sorted(counted.items()))


def _nothing() -> dict[str, int]:
    return {"conversations": 0, "referrals": 0, "opt_outs": 0}


def _conversation(
    session: Session, conversation: Conversation, memory: BotMemory | None
) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "team": conversation.team_id,
        "channel": conversation.channel,
        "started_at": _moment(conversation.created_at),
        "last_activity_at": _moment(conversation.updated_at),
        "phone": conversation.phone,
        "outcome": conversation.outcome,
        "person_age": conversation.person_age,
        "perspective": conversation.perspective,
        "callback_requested": conversation.callback_requested,
        "call_ended_early_at": _moment(conversation.interrupted_at),
        "followed_up_at": _moment(conversation.followed_up_at),
        "followed_up_by": conversation.followed_up_by,
        "follow_up_note": conversation.follow_up_note,
        "messages": [
            _message(message) for message in records.rows_of(session, Message, conversation.id)
        ],
        "risk_flags": [
            {
                "at": _moment(flag.created_at),
                "category": flag.category,
                "message_id": flag.message_id,
                "evidence": flag.evidence,
            }
            for flag in records.rows_of(session, RiskFlag, conversation.id)
        ],
        "risk_checks": [
            {
                "asked_at": _moment(check.asked_at),
                "category": check.category,
                "message_id": check.message_id,
                "evidence": check.evidence,
                "answer": check.answer,
                "answered_at": _moment(check.answered_at),
            }
            for check in records.rows_of(session, RiskCheck, conversation.id)
        ],
        "documents": [
            {
                "id": document.id,
                "filename": document.filename,
                "content_type": document.content_type,
                "size_bytes": document.size_bytes,
                "sha256": document.sha256,
                "received_at": _moment(document.received_at),
            }
            for document in records.rows_of(session, Document, conversation.id)
        ],
        "alerts_to_duty_practitioner": [
            {"at": _moment(alert.created_at), "status": alert.status}
            for alert in records.rows_of(session, Alert, conversation.id)
        ],
        "referrals": [
            _referral(referral) for referral in records.referrals_of(session, conversation.id)
        ],
        "answers_in_progress": _answers_in_progress(memory, conversation.id),
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "at": _moment(message.created_at),
        "direction": message.direction,
        "body": message.body,
        "status": message.status,
        "written_by": message.author,
    }


def _referral(referral: Referral) -> dict[str, Any]:
    return {
        "reference": referral.reference,
        "team": referral.team_id,
        "channel": referral.channel,
        "submitted_at": _moment(referral.submitted_at),
        "complete": referral.complete,
        "status": referral.status,
        "urgent": referral.urgent,
        "time_critical": referral.time_critical,
        "time_critical_reasons": referral.time_critical_reasons,
        "pathway": referral.pathway,
        "scores": referral.scores,
        "perspective": referral.perspective,
        "owner": referral.owner_name,
        "closed_at": _moment(referral.closed_at),
        "closed_as": referral.closed_as,
        "closed_detail": referral.closed_detail,
        "answers": [
            {
                "question_id": answer.question_id,
                "question": answer.prompt,
                "label": answer.label,
                "value": answer.value.get("v"),
                "shown_as": answer.display,
                "skipped": answer.skipped,
                "answered_at": _moment(answer.answered_at),
            }
            for answer in referral.answers
        ],
        "consents": [
            {
                "recipient": consent.recipient,
                "given": consent.given,
                "given_at": _moment(consent.given_at),
                "withdrawn_at": _moment(consent.withdrawn_at),
            }
            for consent in referral.consents
        ],
        "history": [
            {
                "at": _moment(event.at),
                "by": event.actor_name,
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
            }
            for event in referral.events
        ],
    }


def _answers_in_progress(memory: BotMemory | None, conversation_id: str) -> list[dict[str, Any]]:
    """What Rasa was told for a form (its slots), as it stored each."""
    if memory is None:
        return []
    found = []
    for timestamp, data in memory.slots(conversation_id):
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            event = {}
        found.append(
            {
                "at": (
                    datetime.fromtimestamp(timestamp, timezone.utc).isoformat()
                    if timestamp is not None
                    else None
                ),
                "name": event.get("name"),
                "value": event.get("value"),
            }
        )
    return found


def _moment(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None

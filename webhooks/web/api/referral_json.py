"""One JSON shape for a referral, used by the API (and later by exports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import url_for

from webhooks.db.models import Document, Referral, RiskCheck, RiskFlag, as_utc
from webhooks.web.consent_words import consent_words


def referral_summary(referral: Referral) -> dict[str, Any]:
    """The fields a list needs."""
    return {
        "id": referral.id,
        "reference": referral.reference,
        "team_id": referral.team_id,
        "channel": referral.channel,
        # A stopped referral nobody has taken up reads "incomplete", as it always has.
        "status": "incomplete"
        if not referral.complete and referral.status == "new"
        else referral.status,
        "complete": referral.complete,
        "owner": referral.owner_name,
        "claimed_at": as_utc(referral.claimed_at).isoformat() if referral.claimed_at else None,
        "closed": {
            "outcome": referral.closed_as,
            "detail": referral.closed_detail,
            "at": as_utc(referral.closed_at).isoformat(),
        }
        if referral.closed_at
        else None,
        "outcome": referral.outcome,
        "perspective": referral.perspective,
        "urgent": referral.urgent,
        "time_critical": referral.time_critical,
        "time_critical_reasons": (referral.time_critical_reasons or {}).get("reasons", []),
        "submitted_at": as_utc(referral.submitted_at).isoformat(),
        "flow": {"id": referral.flow_id, "version": referral.flow_version},
        "fields": {answer.question_id: answer.value.get("v") for answer in referral.answers},
        "scores": (referral.scores or {}).get("scores", []),
    }


def referral_detail(
    referral: Referral,
    risk_flags: list[RiskFlag],
    documents: list[Document],
    risk_checks: Sequence[RiskCheck] = (),
) -> dict[str, Any]:
    """Everything about one referral: each answer with its question, any risk found, each
    check asked (and its answer), and the documents sent (each fetched from its own URL)."""
    detail = referral_summary(referral)
    detail["risk_checks"] = [
        {
            "category": check.category,
            "message": check.message.body,
            "answer": check.answer,  # yes, no, unclear, unanswered; None while waiting
            "asked_at": as_utc(check.asked_at).isoformat(),
            "answered_at": as_utc(check.answered_at).isoformat() if check.answered_at else None,
        }
        for check in risk_checks
    ]
    detail["risk_flags"] = [
        {
            "category": flag.category,
            "evidence": flag.evidence.get("phrases", []),
            "message": flag.message.body,
            "at": as_utc(flag.created_at).isoformat(),
        }
        for flag in risk_flags
    ]
    detail["answers"] = [
        {
            "question_id": answer.question_id,
            "kind": answer.kind,
            "label": answer.label,
            "prompt": answer.prompt,
            "value": answer.value.get("v"),
            "display": answer.display,
            "skipped": answer.skipped,
            "section": answer.section,
            "answered_at": as_utc(answer.answered_at).isoformat() if answer.answered_at else None,
        }
        for answer in referral.answers
    ]
    asked = consent_words(referral)
    detail["consents"] = [
        {
            "recipient": consent.recipient,
            # What was agreed, exactly: the consent's name and the words the person saw.
            "label": asked[consent.recipient].label if consent.recipient in asked else None,
            "asked": asked[consent.recipient].asked if consent.recipient in asked else None,
            "given": consent.given,
            "at": as_utc(consent.given_at).isoformat(),
            "withdrawn_at": as_utc(consent.withdrawn_at).isoformat()
            if consent.withdrawn_at
            else None,
        }
        for consent in referral.consents
    ]
    detail["documents"] = [
        {
            "id": document.id,
            "filename": document.filename,
            "content_type": document.content_type,
            "size_bytes": document.size_bytes,
            "sha256": document.sha256,
            "received_at": as_utc(document.received_at).isoformat(),
            "url": url_for("api.get_document", referral_id=referral.id, document_id=document.id),
        }
        for document in documents
    ]
    conversation = referral.conversation
    detail["held_by"] = conversation.held_by_name if conversation.held_until else None
    detail["history"] = [
        {
            "at": as_utc(event.at).isoformat(),
            "by": event.actor_name,
            "kind": event.kind,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
        }
        for event in referral.events
    ]
    return detail

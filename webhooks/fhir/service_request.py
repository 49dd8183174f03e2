"""The referral itself as a UK Core ServiceRequest: who is referred, to which team, how
soon, why soon, and the answers that support it.

- `intent` is `order`: the person (or someone for them) asks the team to act, as NHS
  referral messages do; the team's triage then decides what follows.
- `status` is `draft` while the referral is incomplete (the person stopped part way),
  `completed` once the team has closed it, and `active` otherwise.
- `priority`: FHIR orders routine < urgent < asap < stat. Risk shown makes a referral
  `asap`, first of all, as the queue lists it; a time-critical one (in custody now, help
  needed today, a date within two working days) is `urgent`: above the rest, below risk.
  `stat` is left for emergencies, which go to 999, not to this team.
- `requester` is the person on a self-referral, else the referrer by name (display only:
  nothing else about them is kept as a resource); `performer` is the team.
"""

from __future__ import annotations

from collections.abc import Mapping

from flows.model import Flow
from webhooks.db.models import Referral, as_utc
from webhooks.fhir.answers import stored_value
from webhooks.fhir.context import Entries, ExportContext, uuid_of
from webhooks.fhir.systems import (
    REFERRAL_SYSTEM,
    RISK_SYSTEM,
    TEAM_SYSTEM,
    TIME_CRITICAL_SYSTEM,
    Json,
    profile,
)

# Who refers someone else gives their name to this question (start section).
REFERRER_NAME = "referrer_name"


def priority(referral: Referral) -> str:
    """FHIR's request priority for the referral."""
    if referral.urgent:
        return "asap"
    return "urgent" if referral.time_critical else "routine"


def status(referral: Referral) -> str:
    """FHIR's request status for where the referral stands."""
    if not referral.complete:
        return "draft"
    return "completed" if referral.status == "closed" else "active"


def requester(referral: Referral, entries: Entries) -> Json | None:
    """Who asked: the person on a self-referral, else the referrer's name if given."""
    if referral.perspective == "self":
        return {"reference": entries.patient, "type": "Patient"}
    named = next((a for a in referral.answers if a.question_id == REFERRER_NAME), None)
    name = stored_value(named) if named is not None else None
    return {"display": str(name)} if name is not None else None


def team_reference(referral: Referral, team_name: str | None) -> Json:
    """The team as a logical reference: its id, and its name when known."""
    reference: Json = {
        "type": "Organization",
        "identifier": {"system": TEAM_SYSTEM, "value": referral.team_id},
    }
    if team_name:
        reference["display"] = team_name
    return reference


def risk_labels(flow: Flow | None) -> dict[str, str]:
    """Each risk category with the label of the flow question that raises it ("Risk to
    self (self-harm, suicidal thoughts)"): the flow's words, not new ones."""
    labels: dict[str, str] = {}
    for question in flow.questions if flow is not None else ():
        for rule in question.risk:
            labels.setdefault(rule.category, question.label)
    return labels


def reasons(referral: Referral, context: ExportContext) -> list[Json]:
    """Why it must be seen soon: each risk category found, then each time-critical reason."""
    found: list[Json] = []
    labels = risk_labels(context.flow)
    for category in dict.fromkeys(context.risk_categories):
        found.append(_concept(RISK_SYSTEM, category, labels))
    for name in (referral.time_critical_reasons or {}).get("reasons", []):
        found.append(_concept(TIME_CRITICAL_SYSTEM, str(name), context.time_critical_labels))
    return found


def _concept(system: str, code: str, labels: Mapping[str, str]) -> Json:
    coding: Json = {"system": system, "code": code}
    concept: Json = {"coding": [coding]}
    if labels.get(code):
        coding["display"] = labels[code]
        concept["text"] = labels[code]
    return concept


def service_request_json(referral: Referral, context: ExportContext, entries: Entries) -> Json:
    """The ServiceRequest resource."""
    request: Json = {
        "resourceType": "ServiceRequest",
        "id": uuid_of(entries.service_request),
        "meta": profile("ServiceRequest"),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": referral.reference}],
        "status": status(referral),
        "intent": "order",
        "priority": priority(referral),
        "subject": {"reference": entries.patient, "type": "Patient"},
        "authoredOn": as_utc(referral.submitted_at).isoformat(),
        "performer": [team_reference(referral, context.team_name)],
        "supportingInfo": [
            {"reference": entries.questionnaire_response, "type": "QuestionnaireResponse"}
        ],
    }
    if context.flow is not None:
        # What is asked for, in the flow's own words ("South Essex referral").
        request["code"] = {"text": context.flow.title}
    asked_by = requester(referral, entries)
    if asked_by is not None:
        request["requester"] = asked_by
    why = reasons(referral, context)
    if why:
        request["reasonCode"] = why
    return request

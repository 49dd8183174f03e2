"""The answers as a UK Core QuestionnaireResponse to the flow's Questionnaire.

Items are grouped by section as the Questionnaire groups them; each keeps the wording the
person saw (`text`), and a skipped question has an item with no answer. Scores are given
only when complete: a PHQ-9 total over the two questions asked would read as a score.
"""

from __future__ import annotations

from typing import Any

from flows.model import Flow
from webhooks.db.models import Referral, ReferralAnswer, as_utc
from webhooks.fhir.answers import answer_values
from webhooks.fhir.context import Entries, ExportContext, uuid_of
from webhooks.fhir.questionnaire import band_link, score_section, section_link
from webhooks.fhir.service_request import requester
from webhooks.fhir.systems import Json, profile, questionnaire_url


def response_json(referral: Referral, context: ExportContext, entries: Entries) -> Json:
    """The QuestionnaireResponse resource."""
    flow = context.flow
    by_section: dict[str, list[Json]] = {}
    loose: list[Json] = []
    for answer in referral.answers:
        section = _section_of(answer, flow)
        (by_section.setdefault(section, []) if section else loose).append(_item(answer, flow))
    for score in _complete_scores(referral):
        if flow is None:
            loose.append(score_item(score))
            continue
        defined = next((s for s in flow.scores if s.id == score["id"]), None)
        if defined is not None:  # only a score the Questionnaire has an item for
            by_section.setdefault(score_section(flow, defined), []).append(score_item(score))
    items = _grouped(by_section, context, flow) + loose
    response: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": uuid_of(entries.questionnaire_response),
        "meta": profile("QuestionnaireResponse"),
        "basedOn": [{"reference": entries.service_request, "type": "ServiceRequest"}],
        "questionnaire": f"{questionnaire_url(referral.flow_id)}|{referral.flow_version}",
        "status": "completed" if referral.complete else "in-progress",
        "subject": {"reference": entries.patient, "type": "Patient"},
        "authored": as_utc(referral.submitted_at).isoformat(),
    }
    source = requester(referral, entries)
    if source is not None:
        # Whose words the answers are: the person's own, or their referrer's.
        response["source"] = source
    if items:
        response["item"] = items
    return response


def _section_of(answer: ReferralAnswer, flow: Flow | None) -> str:
    if answer.section:
        return answer.section
    if flow is not None and flow.has(answer.question_id):
        return flow.question(answer.question_id).section
    return ""


def _item(answer: ReferralAnswer, flow: Flow | None) -> Json:
    item: Json = {"linkId": answer.question_id, "text": answer.prompt or answer.label}
    values = answer_values(answer, flow)
    if values:
        item["answer"] = values
    return item


def _complete_scores(referral: Referral) -> list[dict[str, Any]]:
    kept = (referral.scores or {}).get("scores", [])
    return [score for score in kept if isinstance(score, dict) and score.get("complete")]


def _grouped(
    by_section: dict[str, list[Json]], context: ExportContext, flow: Flow | None
) -> list[Json]:
    order = list(flow.sections) if flow is not None else []
    order += [section for section in by_section if section not in order]
    groups = []
    for section in order:
        if section not in by_section:
            continue
        group: Json = {"linkId": section_link(section), "item": by_section[section]}
        if context.section_titles.get(section):
            group["text"] = context.section_titles[section]
        groups.append(group)
    return groups


def score_item(score: dict[str, Any]) -> Json:
    """A complete score: its total, with its band as the answer's child."""
    answer: Json = {"valueInteger": int(score["total"])}
    if score.get("band"):
        answer["item"] = [
            {"linkId": band_link(str(score["id"])), "answer": [{"valueString": str(score["band"])}]}
        ]
    return {
        "linkId": str(score["id"]),
        "text": str(score.get("label") or score["id"]),
        "answer": [answer],
    }

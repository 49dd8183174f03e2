"""A flow as a FHIR R4 Questionnaire, so that the answers a referral carries have their
questions: one group per section, one item per question, in the order they are asked.

Each item's text is the plain (self-referral) wording; the QuestionnaireResponse carries
the wording the person actually saw. Scores (PHQ-9, GAD-7) are read-only integer items in
the section of the questions they count, each with its band as a read-only child.
"""

from __future__ import annotations

from collections.abc import Mapping

from fhir.resources.R4B.questionnaire import Questionnaire

from flows.model import Flow, Question, Score
from webhooks.fhir.enable_when import CHOICE_KINDS, enable_when
from webhooks.fhir.systems import (
    Json,
    option_system,
    profile,
    questionnaire_url,
    resource_id,
)

# FHIR's item type for each answer kind. Phone numbers and postcodes have no type of
# their own in FHIR: they are strings (the value stored is already normalised).
ITEM_TYPES = {
    "text": "string",
    "number": "integer",
    "date": "date",
    "uk_phone": "string",
    "postcode": "string",
    "yes_no": "boolean",
    "single": "choice",
    "multi": "choice",
    "documents": "choice",
}
# Free text allowed more than this many characters is FHIR's multi-line `text`.
SHORT_TEXT = 200


def section_link(section_id: str) -> str:
    """A section group's linkId. Section and question ids may coincide (the documents
    section asks the documents question); question ids never contain a hyphen."""
    return f"section-{section_id}"


def band_link(score_id: str) -> str:
    """The linkId of a score's band, the child of the score's own item."""
    return f"{score_id}-band"


def item_type(kind: str, max_length: int = SHORT_TEXT) -> str:
    """The FHIR item type of an answer kind."""
    if kind == "text" and max_length > SHORT_TEXT:
        return "text"
    return ITEM_TYPES[kind]


def score_section(flow: Flow, score: Score) -> str:
    """The section a score belongs to: that of the first question it counts."""
    return flow.question(score.items[0]).section if score.items else ""


def flow_questionnaire(flow: Flow, section_titles: Mapping[str, str]) -> Questionnaire:
    """The flow as a Questionnaire (checked by fhir.resources' own model)."""
    return Questionnaire.model_validate(questionnaire_json(flow, section_titles))


def questionnaire_json(flow: Flow, section_titles: Mapping[str, str]) -> Json:
    """The Questionnaire as plain JSON."""
    groups: list[Json] = []
    for section in _sections_in_order(flow):
        items = [_question_item(q, flow) for q in flow.questions if q.section == section]
        items += [_score_item(s) for s in flow.scores if score_section(flow, s) == section]
        if not items:
            continue
        group: Json = {"linkId": section_link(section), "type": "group", "item": items}
        if section_titles.get(section):
            group["text"] = section_titles[section]
        groups.append(group)
    return {
        "resourceType": "Questionnaire",
        "id": resource_id(flow.id),
        "meta": profile("Questionnaire"),
        "url": questionnaire_url(flow.id),
        "version": str(flow.version),
        "title": flow.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }


def _sections_in_order(flow: Flow) -> list[str]:
    """The flow's sections as it lists them, then any a question names that it does not
    (a flow that carries its questions itself has no section list)."""
    ordered = list(flow.sections)
    for question in flow.questions:
        if question.section not in ordered:
            ordered.append(question.section)
    return ordered


def _question_item(question: Question, flow: Flow) -> Json:
    kind = item_type(question.kind, question.max_length)
    item: Json = {"linkId": question.id, "text": question.ask.plain, "type": kind}
    shown_when = enable_when(question.when, flow)
    # Required only where FHIR knows when it is asked: a question asked on a condition
    # FHIR cannot say (an age, a score) would otherwise be demanded of everyone.
    if not question.optional and (question.when is None or shown_when):
        item["required"] = True
    if question.kind == "multi":
        item["repeats"] = True
    if kind in ("string", "text") and question.kind == "text":
        item["maxLength"] = question.max_length
    if question.kind in CHOICE_KINDS:
        item["answerOption"] = [
            {
                "valueCoding": {
                    "system": option_system(question.id),
                    "code": option.value,
                    "display": option.label,
                }
            }
            for option in question.options
        ]
    item.update(shown_when)
    return item


def _score_item(score: Score) -> Json:
    return {
        "linkId": score.id,
        "text": score.label,
        "type": "integer",
        "readOnly": True,
        "item": [{"linkId": band_link(score.id), "type": "string", "readOnly": True}],
    }

"""One stored answer as QuestionnaireResponse answers, typed as its Questionnaire item is:
text as valueString, a date as valueDate, yes/no as valueBoolean, a number as
valueInteger, each choice as a valueCoding (the option's value and its label).
"""

from __future__ import annotations

from datetime import date

from flows.model import Flow
from webhooks.db.models import ReferralAnswer
from webhooks.fhir.enable_when import CHOICE_KINDS
from webhooks.fhir.systems import Json, option_system


def stored_value(answer: ReferralAnswer) -> object:
    """The value kept for an answer; None when skipped or empty."""
    value = None if answer.skipped else answer.value.get("v")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def answer_values(answer: ReferralAnswer, flow: Flow | None) -> list[Json]:
    """The `answer` list of one item: empty when the question was skipped."""
    value = stored_value(answer)
    if value is None:
        return []
    if answer.kind in CHOICE_KINDS:
        values = value if isinstance(value, list) else [value]
        return [{"valueCoding": _coding(answer, str(item), flow)} for item in values]
    if answer.kind == "yes_no" and isinstance(value, bool):
        return [{"valueBoolean": value}]
    if answer.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return [{"valueInteger": value}]
    if answer.kind == "date" and iso_date(value):
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]


def iso_date(value: object) -> bool:
    """Whether a stored value is a calendar date as FHIR writes one (YYYY-MM-DD)."""
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("YYYY-MM-DD")


def _coding(answer: ReferralAnswer, code: str, flow: Flow | None) -> Json:
    coding: Json = {"system": option_system(answer.question_id), "code": code}
    label = _option_label(answer, code, flow)
    if label:
        coding["display"] = label
    return coding


def _option_label(answer: ReferralAnswer, code: str, flow: Flow | None) -> str:
    """The option's label from the flow; for a single choice the stored display is that
    label too, when the flow version the referral was made with is no longer loaded."""
    if flow is not None and flow.has(answer.question_id):
        option = flow.question(answer.question_id).option(code)
        if option is not None:
            return option.label
    if answer.kind != "multi":
        return answer.display
    return ""

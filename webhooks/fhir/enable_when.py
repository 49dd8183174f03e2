"""A flow question's `when` as a Questionnaire item's `enableWhen`, where FHIR can say it.

FHIR's enableWhen is a flat list combined by one `enableBehavior` (all or any). A flow
condition maps onto it when it is one test on an earlier answer ("is", "includes",
"answered"), several such tests under one `all` or one `any`, or one "is" naming several
values (any of them). Anything else (an age worked out from the date of birth, a score, a
`not`, an `any` inside an `all`) has no faithful flat form: the item then carries no
enableWhen at all rather than a partial one that would show it when the flow would not.
"""

from __future__ import annotations

from flows.model import Condition, Flow
from webhooks.fhir.systems import Json, option_system

# Answer kinds whose value is one of the question's option values.
CHOICE_KINDS = ("single", "multi", "documents")


def enable_when(condition: Condition | None, flow: Flow) -> Json:
    """`enableWhen` (and `enableBehavior` when there is more than one) for an item, or
    nothing when the condition has no flat FHIR form."""
    if condition is None:
        return {}
    if condition.all or condition.any:
        parts = condition.all or condition.any
        alternatives = [_tests(part, flow) for part in parts]
        if any(found is None for found in alternatives):
            return {}
        if condition.all and any(len(found or []) != 1 for found in alternatives):
            return {}  # an "is" with several values inside an `all`: no flat form
        flat = [test for found in alternatives for test in found or []]
        return _combined(flat, "all" if condition.all else "any")
    tests = _tests(condition, flow)
    return _combined(tests, "any") if tests else {}


def _combined(tests: list[Json], behaviour: str) -> Json:
    if len(tests) == 1:
        return {"enableWhen": tests}
    return {"enableWhen": tests, "enableBehavior": behaviour}


def _tests(condition: Condition, flow: Flow) -> list[Json] | None:
    """One test as enableWhen entries, any of which enables the item; None: no FHIR form."""
    if not condition.answer or not flow.has(condition.answer):
        return None
    kind = flow.question(condition.answer).kind
    if condition.answered is not None:
        return [_entry(condition.answer, "exists", {"answerBoolean": condition.answered})]
    if condition.includes and kind in CHOICE_KINDS:
        return [_entry(condition.answer, "=", _coding(condition.answer, condition.includes))]
    if condition.is_:
        found = [_equals(condition.answer, kind, value) for value in condition.is_]
        return None if any(entry is None for entry in found) else [e for e in found if e]
    return None


def _equals(question_id: str, kind: str, value: object) -> Json | None:
    if kind == "yes_no" and isinstance(value, bool):
        return _entry(question_id, "=", {"answerBoolean": value})
    if kind in CHOICE_KINDS and isinstance(value, str):
        return _entry(question_id, "=", _coding(question_id, value))
    return None


def _coding(question_id: str, code: str) -> Json:
    return {"answerCoding": {"system": option_system(question_id), "code": code}}


def _entry(question_id: str, operator: str, answer: Json) -> Json:
    return {"question": question_id, "operator": operator, **answer}

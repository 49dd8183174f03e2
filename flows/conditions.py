"""Conditions in flow files: read them from YAML, and test them against the answers so far.

Written as small mappings a clinician can read, e.g.
    when: {answer: referrer, is: professional}
    when: {answer: links, includes: gp}
    when: {answer: date_of_birth, age_under: 18}
    when: {score: phq2, at_least: 3}
    when: {all: [...]}  /  {any: [...]}  /  {not: {...}}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flows.model import Condition

# A question the person chose to skip: answered, but with no value.
SKIPPED = "__skipped__"
_TESTS = {"is", "includes", "answered", "age_under", "score_at_least"}
_KEYS = {"answer", "score", "at_least", "all", "any", "not", *_TESTS}


class ConditionError(ValueError):
    """A condition in a flow file cannot be understood."""


def parse_condition(raw: Any, where: str, default_answer: str = "") -> Condition:
    """Build a Condition from its YAML mapping; `default_answer` fills in `answer`."""
    if not isinstance(raw, Mapping):
        raise ConditionError(f"{where}: a condition must be a mapping")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConditionError(f"{where}: unknown condition key(s) {', '.join(unknown)}")
    if "all" in raw or "any" in raw or "not" in raw:
        return _combined(raw, where, default_answer)
    if "score" in raw:
        if "at_least" not in raw:
            raise ConditionError(f"{where}: a score condition needs at_least")
        return Condition(score=str(raw["score"]), at_least=int(raw["at_least"]))
    answer = str(raw.get("answer") or default_answer)
    if not answer:
        raise ConditionError(f"{where}: say which answer the condition tests")
    tests = [key for key in _TESTS if key in raw]
    if len(tests) != 1:
        raise ConditionError(f"{where}: give exactly one of {', '.join(sorted(_TESTS))}")
    value = raw[tests[0]]
    if tests[0] == "is":
        values = value if isinstance(value, list) else [value]
        return Condition(answer=answer, is_=tuple(_yaml_value(item) for item in values))
    if tests[0] == "includes":
        return Condition(answer=answer, includes=str(value))
    if tests[0] == "answered":
        return Condition(answer=answer, answered=bool(value))
    if tests[0] == "age_under":
        return Condition(answer=answer, age_under=int(value))
    return Condition(answer=answer, score_at_least=int(value))


def _combined(raw: Mapping[str, Any], where: str, default_answer: str) -> Condition:
    if "not" in raw:
        return Condition(negate=parse_condition(raw["not"], f"{where}.not", default_answer))
    key = "all" if "all" in raw else "any"
    items = raw[key]
    if not isinstance(items, list) or not items:
        raise ConditionError(f"{where}.{key}: expected a list of conditions")
    parts = tuple(
        parse_condition(item, f"{where}.{key}[{n}]", default_answer) for n, item in enumerate(items)
    )
    return Condition(all=parts) if key == "all" else Condition(any=parts)


def _yaml_value(value: Any) -> Any:
    # YAML reads yes/no answers as booleans already; option values stay strings.
    return value if isinstance(value, bool) else str(value)


def every_part(condition: Condition) -> list[Condition]:
    """The condition and every condition inside it."""
    parts = [condition]
    inner = [*condition.all, *condition.any]
    if condition.negate is not None:
        inner.append(condition.negate)
    for part in inner:
        parts.extend(every_part(part))
    return parts


def referenced_answers(condition: Condition) -> set[str]:
    """Every question id a condition looks at (to check the flow asks them first)."""
    return {part.answer for part in every_part(condition) if part.answer}


def referenced_scores(condition: Condition) -> set[str]:
    """Every score id a condition looks at."""
    return {part.score for part in every_part(condition) if part.score}


def holds(
    condition: Condition,
    answers: Mapping[str, Any],
    scores: Mapping[str, int],
    option_scores: Mapping[str, int],
    today: date,
) -> bool:
    """Whether the condition is true of these answers.

    `option_scores` holds each scored answer's points (for `score_at_least`).
    """
    if condition.all:
        return all(holds(part, answers, scores, option_scores, today) for part in condition.all)
    if condition.any:
        return any(holds(part, answers, scores, option_scores, today) for part in condition.any)
    if condition.negate is not None:
        return not holds(condition.negate, answers, scores, option_scores, today)
    if condition.score:
        total = scores.get(condition.score)
        return total is not None and condition.at_least is not None and total >= condition.at_least
    value = answers.get(condition.answer)
    if condition.answered is not None:
        return (value is not None) == condition.answered
    if value is None or value == SKIPPED:
        return False
    if condition.is_:
        return value in condition.is_
    if condition.includes:
        return isinstance(value, list) and condition.includes in value
    if condition.age_under is not None:
        return _age(str(value), today) < condition.age_under
    if condition.score_at_least is not None:
        points = option_scores.get(condition.answer)
        return points is not None and points >= condition.score_at_least
    return False


def _age(iso_date: str, today: date) -> int:
    born = date.fromisoformat(iso_date)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

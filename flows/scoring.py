"""Totals of scored instruments (PHQ-9, GAD-7) from the answers, with their bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flows.model import Flow


@dataclass(frozen=True)
class ScoreResult:
    """A total over the items answered; `complete` when every item was answered."""

    id: str
    label: str
    total: int
    band: str
    complete: bool


def option_scores(flow: Flow, answers: Mapping[str, Any]) -> dict[str, int]:
    """The points each scored answer is worth, by question id."""
    points: dict[str, int] = {}
    for question in flow.questions:
        value = answers.get(question.id)
        option = question.option(str(value)) if isinstance(value, str) else None
        if option is not None and option.score is not None:
            points[question.id] = option.score
    return points


def totals(flow: Flow, answers: Mapping[str, Any]) -> dict[str, int]:
    """Each score whose every item is answered, by score id (for conditions)."""
    return {result.id: result.total for result in results(flow, answers) if result.complete}


def results(flow: Flow, answers: Mapping[str, Any]) -> list[ScoreResult]:
    """Every score with at least one item answered."""
    points = option_scores(flow, answers)
    found = []
    for score in flow.scores:
        counted = [points[item] for item in score.items if item in points]
        if not counted:
            continue
        total = sum(counted)
        found.append(
            ScoreResult(
                id=score.id,
                label=score.label,
                total=total,
                band=score.band(total),
                complete=len(counted) == len(score.items),
            )
        )
    return found

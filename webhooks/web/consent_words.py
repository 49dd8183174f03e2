"""Exactly what a person agreed to: each consent's name and the words they were asked.

Which consents a team asks, and in what words, is the team's own configuration (its file,
through its flow); the referral keeps the words seen with the answer, so a practitioner
and an API client read what was agreed, not a summary of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flows import load_flows
from webhooks.db.models import Referral


@dataclass(frozen=True)
class ConsentWords:
    """What one consent is called, and the question as the person was asked it."""

    label: str
    asked: str


def consent_words(referral: Referral) -> dict[str, ConsentWords]:
    """By recipient: the consent's label from the flow, and the words the person saw."""
    questions = _consent_questions().get(referral.flow_id, {})
    found: dict[str, ConsentWords] = {}
    for answer in referral.answers:
        if answer.question_id in questions:
            recipient, label = questions[answer.question_id]
            found[recipient] = ConsentWords(label, answer.prompt)
    return found


@cache
def _consent_questions() -> dict[str, dict[str, tuple[str, str]]]:
    """Each flow's consent questions: question id -> (recipient, label). Read once."""
    return {
        flow.id: {q.id: (q.consent_for, q.label) for q in flow.questions if q.consent_for}
        for flow in load_flows().values()
    }

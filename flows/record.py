"""The referral as handed to the gateway: every answer structured, with the wording seen.

Plain JSON, so it crosses from the action server to the gateway in Rasa's reply and is
stored as it is: question id, the value, the wording the person saw, the label a
practitioner reads, when it was answered; the scores; each consent with its time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows import scoring
from flows.answers import display_value
from flows.conditions import SKIPPED
from flows.model import Flow
from flows.navigation import applicable, is_easy, perspective
from flows.state import COMPLETE, ESSENTIALS, Context, FlowState


def referral_record(
    flow: Flow,
    answers: Mapping[str, Any],
    state: FlowState,
    context: Context,
    outcome: str | None = None,
) -> dict[str, Any]:
    """The structured referral, complete or not, for the gateway to store; `outcome`
    names a stage the state does not (answers added while the conversation goes on)."""
    seen_as = perspective(answers)
    easy = is_easy(flow, answers, state, context.today)
    items = []
    for question in applicable(flow, answers, context.today):
        value = answers.get(question.id)
        if value is None:
            continue
        skipped = value == SKIPPED
        items.append(
            {
                "question_id": question.id,
                "section": question.section,
                "label": question.label,
                "prompt": question.ask.pick(seen_as, easy, context.voice),
                "kind": question.kind,
                "value": None if skipped else value,
                "skipped": skipped,
                "display": display_value(question, value),
                "answered_at": state.answered_at.get(question.id, ""),
            }
        )
    consents = [
        {
            "recipient": question.consent_for,
            "given": answers.get(question.id) is True,
            "at": state.answered_at.get(question.id, ""),
        }
        for question in flow.questions
        if question.consent_for and answers.get(question.id) in (True, False)
    ]
    return {
        "flow_id": flow.id,
        "flow_version": flow.version,
        "outcome": outcome or state.outcome or (ESSENTIALS if state.sent else "stopped"),
        # Once the essentials were sent the referral is in the queue, however it ends.
        "complete": state.outcome == COMPLETE or state.sent,
        "sent": state.sent,
        "ended_at_question": state.ended_at_question,
        "perspective": seen_as,
        "answers": items,
        "scores": [
            {"id": s.id, "label": s.label, "total": s.total, "band": s.band, "complete": s.complete}
            for s in scoring.results(flow, answers)
        ],
        "consents": consents,
    }

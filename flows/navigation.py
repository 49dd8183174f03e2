"""Where a flow goes next: which questions apply, what to ask, how to go back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from flows import phrases, scoring
from flows.conditions import SKIPPED, holds
from flows.model import REVIEW, Flow, Question
from flows.state import Context, FlowState, Step

# The question whose answer decides whether questions are put to "you" or "the person".
PERSPECTIVE_QUESTION = "referrer"
SELF_REFERRAL = "self"
EASY_READ_QUESTION = "easy_read"
_YOUTH_AGE = 18


def applicable(flow: Flow, answers: Mapping[str, Any], today: date) -> list[Question]:
    """The questions that apply given the answers so far, in order."""
    totals = scoring.totals(flow, answers)
    points = scoring.option_scores(flow, answers)
    return [
        question
        for question in flow.questions
        if question.when is None or holds(question.when, answers, totals, points, today)
    ]


def next_to_ask(
    flow: Flow, answers: Mapping[str, Any], context: Context, sent: bool = False
) -> str:
    """The first unanswered question that applies, or the read-back when none is left.

    Until the essentials are sent only they are asked, then read back; the rest follow.
    """
    waiting = [q for q in applicable(flow, answers, context.today) if answers.get(q.id) is None]
    if flow.sends_essentials_first and not sent:
        waiting = [question for question in waiting if question.essential]
    return waiting[0].id if waiting else REVIEW


def go_back(
    flow: Flow, answers: dict[str, Any], state: FlowState, asking: str, context: Context
) -> Step:
    """Ask the last answered question again, its answer cleared."""
    still = {question.id for question in applicable(flow, answers, context.today)}
    if state.sent:
        # What was sent is with the team: going back reaches only what was asked since,
        # so no answer the queue holds (consent above all) is quietly undone here.
        still = {qid for qid in still if not flow.question(qid).essential}
    history = [qid for qid in state.history if qid in still and qid != asking]
    if not history:
        first = "back_after_sending" if state.sent else "first_question"
        return Step(answers, state, (phrases.say(first, context.voice),), asking)
    previous = history.pop()
    answers[previous] = None
    return Step(
        answers, replace(state, history=tuple(history), misses=0, choosing=False), (), previous
    )


def perspective(answers: Mapping[str, Any]) -> str:
    """ "self" when people refer themselves, "other" when someone refers them."""
    referrer = answers.get(PERSPECTIVE_QUESTION)
    return "self" if referrer in (None, SKIPPED, SELF_REFERRAL) else "other"


def age(flow: Flow, answers: Mapping[str, Any], today: date) -> int | None:
    """The person's age from the flow's first past date (the date of birth), if given."""
    for question in flow.questions:
        if question.kind == "date" and question.tense == "past":
            value = answers.get(question.id)
            if not isinstance(value, str) or value == SKIPPED:
                return None
            born = date.fromisoformat(value)
            return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return None


def is_easy(flow: Flow, answers: Mapping[str, Any], state: FlowState, today: date) -> bool:
    """Easy-read wording: asked for, or a young person (age-appropriate words)."""
    if state.easy or answers.get(EASY_READ_QUESTION) is True:
        return True
    years = age(flow, answers, today)
    return years is not None and years < _YOUTH_AGE and perspective(answers) == "self"

"""Walk a flow one message at a time. Pure: no Flask, Twilio, Rasa or database here.

The caller keeps two things between messages: the answers (question id -> value) and a
FlowState; each message goes in with the question it answers, and a Step comes out with
what to say, the next question (or the read-back, or nothing when the conversation ended)
and any risk the answer showed. The Rasa action server and the tests both drive it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flows import carry_on, phrases, review, scoring
from flows.answers import parse_answer
from flows.conditions import SKIPPED, holds
from flows.errors import AnswerError
from flows.model import CARRY_ON, REVIEW, Flow, Question, Wording
from flows.navigation import go_back, is_easy, next_to_ask, perspective
from flows.state import (
    BACK,
    COMPLETE,
    EASY,
    RESTART,
    SKIP,
    STOP,
    STOPPED,
    WHY,
    Context,
    FlowState,
    Prompt,
    Step,
)

PREFER_NOT_TO_SAY = "prefer_not_to_say"


def start(flow: Flow, context: Context, easy: bool = False) -> Step:
    """The first step of a new conversation."""
    return Step(answers={}, state=FlowState(easy=easy), ask=next_to_ask(flow, {}, context))


def resume(
    flow: Flow,
    answers: Mapping[str, Any],
    state: FlowState,
    context: Context,
    asking: str | None = None,
) -> Step:
    """Carry on from the answers kept, asking the first question still open (or the
    offer to carry on again, if that was open)."""
    kept = dict(answers)
    if asking == CARRY_ON and state.sent:
        return Step(kept, replace(state, misses=0), (), CARRY_ON)
    return carry_on.ask_next(flow, kept, replace(state, misses=0, choosing=False), context)


def prompt(
    flow: Flow, asking: str, answers: Mapping[str, Any], state: FlowState, context: Context
) -> Prompt:
    """How to put `asking` (a question id or REVIEW) to this listener."""
    if asking == REVIEW:
        return review.prompt(flow, answers, state.choosing, context)
    if asking == CARRY_ON:
        return carry_on.prompt(context)
    question = flow.question(asking)
    easy = is_easy(flow, answers, state, context.today)
    text = question.ask.pick(perspective(answers), easy, context.voice)
    options = question.options
    if question.kind == "documents" and context.voice:
        options = options[:-1]  # a call cannot carry a file: email, or none to send
    return Prompt(text, tuple(option.label for option in options))


def receive(
    flow: Flow,
    answers: Mapping[str, Any],
    state: FlowState,
    asking: str | None,
    text: str,
    control: str | None,
    context: Context,
) -> Step:
    """Take one message: a control, or an answer to `asking`."""
    current = dict(answers)
    if asking is None:
        return start(flow, context, state.easy)
    if control in (STOP, RESTART) and state.sent:
        # The essentials are with the team already: stopping, or starting again, ends
        # this referral as it stands rather than losing it or making a second one.
        return carry_on.finish(current, state)
    if control == STOP:
        return Step(current, replace(state, outcome=STOPPED, ended_at_question=asking))
    if control == RESTART:
        fresh = start(flow, context, state.easy)
        return replace(fresh, say=(phrases.say("restart", context.voice),))
    if control == EASY:
        easy_on = (phrases.say("easy_on", context.voice),)
        return Step(current, replace(state, easy=True), easy_on, asking)
    if asking == REVIEW:
        step = review.receive(flow, current, state, text, control, context)
        if step.state.outcome == COMPLETE and flow.sends_essentials_first and not state.sent:
            return carry_on.after_sending(flow, step.answers, step.state, context)
        return step
    if asking == CARRY_ON:
        return carry_on.receive(flow, current, state, text, control, context)
    question = flow.question(asking)
    if control is not None:
        return _control(flow, question, current, state, control, context)
    try:
        answer = parse_answer(question, text, context.today, context.documents)
    except AnswerError:
        return _missed(question, current, state, context)
    return accept(flow, question, current, state, answer.value, context)


def accept(
    flow: Flow,
    question: Question,
    answers: dict[str, Any],
    state: FlowState,
    value: Any,
    context: Context,
) -> Step:
    """Store an answer, then end kindly or go on to the next question or the read-back."""
    answers[question.id] = value
    stamped = {**state.answered_at, question.id: context.now}
    history = (*[qid for qid in state.history if qid != question.id], question.id)
    state = replace(state, history=history, misses=0, answered_at=stamped)
    totals = scoring.totals(flow, answers)
    points = scoring.option_scores(flow, answers)
    if question.ends_when is not None and holds(
        question.ends_when, answers, totals, points, context.today
    ):
        wording = question.ends_say or question.retry  # the loader insists on both
        return _ended(question, answers, state, wording, question.ends_as, context)
    for ending in flow.endings:
        # An ending a section sets on an answer asked elsewhere (a team's age rule on the
        # shared date of birth), checked whenever that answer is given or corrected.
        if question.id in ending.after and holds(
            ending.when, answers, totals, points, context.today
        ):
            return _ended(question, answers, state, ending.say, ending.outcome, context)
    risks = tuple(
        (rule.category, question.id)
        for rule in question.risk
        if holds(rule.when, answers, totals, points, context.today)
    )
    return carry_on.ask_next(flow, answers, state, context, risks)


def _ended(
    question: Question,
    answers: dict[str, Any],
    state: FlowState,
    wording: Wording,
    outcome: str,
    context: Context,
) -> Step:
    """The conversation ends kindly here, saying where else to go."""
    said = wording.pick(perspective(answers), state.easy, context.voice)
    ended = replace(state, outcome=outcome, ended_at_question=question.id)
    return Step(answers=answers, state=ended, say=(said,))


def _control(
    flow: Flow,
    question: Question,
    answers: dict[str, Any],
    state: FlowState,
    control: str,
    context: Context,
) -> Step:
    voice = context.voice
    why = question.why.pick(perspective(answers), state.easy, voice)
    if control == WHY:
        return Step(answers, state, (why or phrases.say("why_default", voice),), question.id)
    if control == SKIP:
        if not question.optional:
            return Step(answers, state, (phrases.say("not_optional", voice, why=why),), question.id)
        # "Prefer not to say" is an answer in its own right where the question offers it.
        declined = question.option(PREFER_NOT_TO_SAY)
        value = declined.value if declined is not None else SKIPPED
        step = accept(flow, question, answers, state, value, context)
        return replace(step, say=(phrases.say("skipped", voice), *step.say))
    if control == BACK:
        return go_back(flow, answers, state, question.id, context)
    # REPEAT, or a control this flow does not use: ask the same question again.
    return Step(answers, state, (), question.id)


def _missed(
    question: Question, answers: dict[str, Any], state: FlowState, context: Context
) -> Step:
    """A specific re-ask with an example; from the second miss, a way out too."""
    retry = question.retry.pick(perspective(answers), state.easy, context.voice)
    misses = state.misses + 1
    if misses >= 2:
        key = "retry_again_optional" if question.optional else "retry_again"
        retry = phrases.say(key, context.voice, retry=retry)
    return Step(answers, replace(state, misses=misses), (retry,), question.id)

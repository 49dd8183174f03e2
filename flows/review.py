"""The short read-back before a referral is sent: "is this right?", and correcting one answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from flows import phrases
from flows.answers import NO_WORDS, YES_WORDS, display_value
from flows.choices import one_option
from flows.conditions import SKIPPED
from flows.errors import AnswerError
from flows.model import REVIEW, Flow, Option, Question
from flows.navigation import applicable, go_back
from flows.state import BACK, COMPLETE, Context, FlowState, Prompt, Step

# "Is this right?" is answered like any yes/no question, or with "send" / "change".
_SEND_WORDS = (*sorted(YES_WORDS), "send", "send it")
_CHANGE_WORDS = (*sorted(NO_WORDS), "change", "change it", "wrong", "not right", "edit", "fix")


def items(flow: Flow, answers: Mapping[str, Any], today: date) -> list[Question]:
    """The answers read back: those marked `readback` that apply and were given."""
    return [
        question
        for question in applicable(flow, answers, today)
        if question.readback and answers.get(question.id) not in (None, SKIPPED)
    ]


def prompt(flow: Flow, answers: Mapping[str, Any], choosing: bool, context: Context) -> Prompt:
    """The read-back with "is this right?", or the list of answers to pick one to change."""
    voice = context.voice
    shown = items(flow, answers, context.today)
    if choosing:
        return Prompt(phrases.say("review_choose", voice), tuple(q.label for q in shown))
    listed = " ".join(
        phrases.say("review_item", voice, label=q.label, value=display_value(q, answers[q.id]))
        for q in shown
    )
    return Prompt(phrases.say("review", voice, items=listed), _choices(voice))


def receive(
    flow: Flow,
    answers: dict[str, Any],
    state: FlowState,
    text: str,
    control: str | None,
    context: Context,
) -> Step:
    """ "Yes" sends it; "change" asks which one; the chosen answer is asked again."""
    if state.choosing:
        if control == BACK:
            back = (phrases.say("review_back", context.voice),)
            return Step(answers, replace(state, choosing=False), back, REVIEW)
        shown = items(flow, answers, context.today)
        try:
            picked = one_option(tuple(Option(q.id, q.label) for q in shown), text)
        except AnswerError:
            return Step(answers, state, (), REVIEW)
        answers[picked.value] = None
        return Step(answers, replace(state, choosing=False), (), picked.value)
    if control == BACK:
        return go_back(flow, answers, state, REVIEW, context)
    send_label, change_label = _choices(context.voice)
    send = Option("send", send_label, synonyms=_SEND_WORDS)
    change = Option("change", change_label, synonyms=_CHANGE_WORDS)
    try:
        picked = one_option((send, change), text)
    except AnswerError:
        return Step(answers, replace(state, misses=state.misses + 1), (), REVIEW)
    if picked.value == "send":
        return Step(answers, replace(state, outcome=COMPLETE, misses=0))
    return Step(answers, replace(state, choosing=True, misses=0), (), REVIEW)


def _choices(voice: bool) -> tuple[str, str]:
    return phrases.say("review_send", voice), phrases.say("review_change", voice)

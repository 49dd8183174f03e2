"""After the essentials are sent: carry on with the rest now, or leave them to the team.

A person in distress who stops here has still been referred; one who carries on gives the
team more to prepare with, and each later answer enriches the same referral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flows import phrases
from flows.answers import NO_WORDS, YES_WORDS
from flows.choices import one_option
from flows.errors import AnswerError
from flows.model import CARRY_ON, REVIEW, Flow, Option
from flows.navigation import next_to_ask
from flows.state import COMPLETE, SKIP, STOP, Context, FlowState, Prompt, Step

_NOW_WORDS = (*sorted(YES_WORDS), "carry on", "continue", "go on", "now", "more")
_LATER_WORDS = (*sorted(NO_WORDS), "later", "not now", "stop", "stop here", "leave it", "done")


def prompt(context: Context) -> Prompt:
    """ "A few more questions help the team prepare: carry on now, or leave them?" """
    return Prompt(phrases.say("carry_on", context.voice), _choices(context.voice))


def after_sending(flow: Flow, answers: dict[str, Any], state: FlowState, context: Context) -> Step:
    """The read-back was confirmed: send the essentials, then offer the rest if any apply."""
    sent = replace(state, outcome="", sent=True, misses=0, choosing=False)
    if next_to_ask(flow, answers, context, sent=True) == REVIEW:
        # Nothing more applies: the referral is finished as it is.
        return Step(answers, replace(sent, outcome=COMPLETE))
    return Step(answers, sent, ask=CARRY_ON, send=True)


def receive(
    flow: Flow,
    answers: dict[str, Any],
    state: FlowState,
    text: str,
    control: str | None,
    context: Context,
) -> Step:
    """Carry on asks the first open question; "later", stop or skip finishes here."""
    if control in (STOP, SKIP):
        return finish(answers, state)
    if control is not None:
        return Step(answers, state, (), CARRY_ON)
    now_label, later_label = _choices(context.voice)
    now = Option("now", now_label, synonyms=_NOW_WORDS)
    later = Option("later", later_label, synonyms=_LATER_WORDS)
    try:
        picked = one_option((now, later), text)
    except AnswerError:
        retry = (phrases.say("carry_on_retry", context.voice),)
        return Step(answers, replace(state, misses=state.misses + 1), retry, CARRY_ON)
    if picked.value == "later":
        return finish(answers, state)
    return ask_next(flow, answers, replace(state, misses=0), context)


def ask_next(
    flow: Flow,
    answers: dict[str, Any],
    state: FlowState,
    context: Context,
    risks: tuple[tuple[str, str], ...] = (),
) -> Step:
    """The next question; once sent, nothing left to ask finishes the referral."""
    asking = next_to_ask(flow, answers, context, state.sent)
    if state.sent and asking == REVIEW:
        return Step(answers, replace(state, outcome=COMPLETE), risks=risks)
    return Step(answers, state, ask=asking, risks=risks)


def finish(answers: Mapping[str, Any], state: FlowState) -> Step:
    """The referral is already with the team: what was given so far completes it."""
    return Step(dict(answers), replace(state, outcome=COMPLETE, misses=0))


def _choices(voice: bool) -> tuple[str, str]:
    return phrases.say("carry_on_now", voice), phrases.say("carry_on_later", voice)

"""A flow's conditions (`when`, `ends_when`, risk rules) said in plain words, naming the
questions they look at by their labels."""

from __future__ import annotations

from typing import Any

from flows.model import Condition, Flow, Question
from webhooks.signoff.words import Words


def in_words(condition: Condition, flow: Flow, words: Words, here: str = "") -> str:
    """The condition as a clause: "the answer to “Who is making the referral” is “Myself”".

    `here` is the question the condition belongs to: a test on its own answer (an ending,
    a risk rule) is said as "the answer here", not by the question's label.
    """
    if condition.negate is not None:
        inner = in_words(condition.negate, flow, words, here)
        return words.say("conditions", "negate", condition=inner)
    if condition.all:
        joiner = words.say("conditions", "and")
        return joiner.join(_part(part, flow, words, here) for part in condition.all)
    if condition.any:
        joiner = words.say("conditions", "or")
        return joiner.join(in_words(part, flow, words, here) for part in condition.any)
    if condition.score:
        label = next((s.label for s in flow.scores if s.id == condition.score), condition.score)
        return words.say("conditions", "total_at_least", score=label, points=condition.at_least)
    return _answer_test(condition, flow, words, here)


def _part(condition: Condition, flow: Flow, words: Words, here: str) -> str:
    # "A and (B or C)" is said "A and either B or C", so the grouping is not lost.
    said = in_words(condition, flow, words, here)
    if len(condition.any) > 1:
        return words.say("conditions", "either", condition=said)
    return said


def _answer_test(condition: Condition, flow: Flow, words: Words, here: str) -> str:
    question = flow.question(condition.answer) if flow.has(condition.answer) else None
    label = question.label if question is not None else condition.answer
    own = condition.answer == here
    if condition.answered is not None:
        key = "answered" if condition.answered else "not_answered"
        return words.say("conditions", key, label=label)
    if condition.is_:
        joiner = words.say("conditions", "or")
        value = joiner.join(_value(question, item, words) for item in condition.is_)
        return words.say("conditions", "is_this" if own else "is", label=label, value=value)
    if condition.includes:
        value = _value(question, condition.includes, words)
        key = "includes_this" if own else "includes"
        return words.say("conditions", key, label=label, value=value)
    if condition.age_under is not None:
        return words.say("conditions", "age_under", label=label, age=condition.age_under)
    return words.say("conditions", "score_at_least", label=label, points=condition.score_at_least)


def _value(question: Question | None, value: Any, words: Words) -> str:
    """An answer value as the person saw it: the option's label (Yes/No for a yes_no)."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    option = question.option(str(value)) if question is not None else None
    return words.say("conditions", "value", value=option.label if option else value)

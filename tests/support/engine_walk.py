"""Walk a flow through the engine alone, answering from a table of scripted answers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flows import Flow
from flows.engine import prompt, receive, start
from flows.state import SKIP, Context, Step
from webhooks.dev.scripted import SKIP as SCRIPTED_SKIP

MAX_STEPS = 150


def walk_engine(flow: Flow, answers: Mapping[str, str], context: Context) -> Iterator[Step]:
    """Every step from the first question to the end; a scripted SKIP is the skip control."""
    step = start(flow, context)
    yield step
    for _ in range(MAX_STEPS):
        if step.ask is None:
            return
        assert prompt(flow, step.ask, step.answers, step.state, context).text
        text = answers[step.ask]
        control = SKIP if text == SCRIPTED_SKIP else None
        step = receive(flow, step.answers, step.state, step.ask, text, control, context)
        yield step
    raise AssertionError(f"{flow.id} never ended within {MAX_STEPS} steps")

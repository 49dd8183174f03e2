"""Every question of every flow reworded, for a whole test run: `pytest -p
tests.plugins.reworded_questions`.

The gateway acts on the question ids the bot names, never on a question's wording, so a
clinician can reword any question in `flows/` without changing what the gateway does.
`make test-reworded` runs the gateway and engine suites under this plugin to prove it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flows import loader
from flows.model import Flow, Question, Wording

# Plain ASCII: an SMS renders some other characters in GSM-7 (an en dash as "-").
SUFFIX = " - please answer"
_load_flow = loader.load_flow


def reworded(wording: Wording) -> Wording:
    """Each variant written, with the suffix; variants not written stay unwritten."""
    return Wording(*(text + SUFFIX if text else text for text in _variants(wording)))


def _variants(wording: Wording) -> tuple[str, str, str, str]:
    return (wording.plain, wording.other, wording.easy, wording.voice)


def reword_flow(flow: Flow) -> Flow:
    """The same flow with every question asked in other words."""
    questions: tuple[Question, ...] = tuple(
        replace(question, ask=reworded(question.ask)) for question in flow.questions
    )
    return replace(flow, questions=questions)


def _load_reworded(path: Path, sections: dict[str, dict[str, Any]] | None = None) -> Flow:
    return reword_flow(_load_flow(path, sections))


def pytest_configure(config: pytest.Config) -> None:
    """Reword before any test (or app) loads the flows."""
    loader.load_flow = _load_reworded


def pytest_report_header() -> str:
    """Say loudly that this run's questions are reworded."""
    return f"Every flow question is reworded: its words end with {SUFFIX!r}"

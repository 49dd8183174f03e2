"""What each question id names: the gateway acts on the ids the bot sends, never on wording.

Rewording a question in `flows/` changes what people read and nothing the gateway does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flows import Flow
from flows.model import CARRY_ON, REVIEW

# The read-back of every answer before sending, and the offer to carry on after the
# essentials were sent: questions with choices of their own.
REVIEW_KIND = "review"


@dataclass(frozen=True)
class QuestionBook:
    """Each question id and its answer kind, across every team's flow."""

    kinds: Mapping[str, str]

    @classmethod
    def from_flows(cls, flows: Iterable[Flow]) -> QuestionBook:
        """Read the ids and kinds from the flows; one id means one thing in every flow."""
        kinds: dict[str, str] = {REVIEW: REVIEW_KIND, CARRY_ON: REVIEW_KIND}
        for flow in flows:
            for question in flow.questions:
                if kinds.setdefault(question.id, question.kind) != question.kind:
                    raise ValueError(f"question {question.id!r} has two kinds across the flows")
        return cls(kinds)

    def asks(self, question_id: str | None) -> bool:
        """Whether this id names a question of the flows (so an answer is awaited)."""
        return question_id is not None and question_id in self.kinds

    def needs_words(self, question_id: str | None) -> bool:
        """Only words can answer it (a name, an address): a keypad cannot."""
        return self.kind(question_id) == "text"

    def takes_files(self, question_id: str | None) -> bool:
        """It asks for documents: the web chat offers its upload control."""
        return self.kind(question_id) == "documents"

    def kind(self, question_id: str | None) -> str | None:
        """The answer kind, or None when the id names no question."""
        return self.kinds.get(question_id) if question_id is not None else None

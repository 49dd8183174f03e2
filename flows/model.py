"""The shape of a flow: immutable records built once by the loader."""

from __future__ import annotations

from dataclasses import dataclass, field

ANSWER_KINDS = ("text", "date", "uk_phone", "yes_no")


@dataclass(frozen=True)
class Option:
    """One choice a person can pick, by number, by button or by word."""

    value: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One thing the bot asks, with the words a person and a practitioner see."""

    id: str
    kind: str
    label: str
    ask: str
    retry: str
    why: str = ""
    max_length: int = 200
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Flow:
    """An ordered questionnaire with an id and a version stored on every referral."""

    id: str
    version: int
    title: str
    form_name: str
    questions: tuple[Question, ...] = field(default_factory=tuple)

    def question(self, question_id: str) -> Question:
        """Return the question with this id, or raise KeyError."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def question_ids(self) -> list[str]:
        """The ids in the order they are asked."""
        return [question.id for question in self.questions]

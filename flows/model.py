"""The shape of a flow: immutable records built once by the loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANSWER_KINDS = (
    "text",
    "number",
    "date",
    "uk_phone",
    "postcode",
    "yes_no",
    "single",
    "multi",
    # Files sent in the conversation: answered "none", "email" or "sent".
    "documents",
)
# The choices of a documents question, in this order. "sent" needs a file received, and
# is last so that a call, which cannot carry a file, offers the others by the same keys.
DOCUMENT_CHOICES = ("none", "email", "sent")
# Who the questions are put to: the person themselves, or someone referring them.
PERSPECTIVES = ("self", "other")
# Wording variants a question may carry, besides its plain (self) wording.
VARIANTS = ("self", "other", "easy", "voice")
# The pseudo-question that reads the answers back before anything is sent.
REVIEW = "review"
# The pseudo-question after the essentials were sent: carry on with the rest now, or not.
CARRY_ON = "carry_on"


@dataclass(frozen=True)
class Wording:
    """One piece of wording with its variants: for someone referring another person,
    in easy-read words, and for the telephone."""

    plain: str
    other: str = ""
    easy: str = ""
    voice: str = ""

    def pick(self, perspective: str, easy: bool, voice: bool) -> str:
        """The best variant for this listener; the plain wording when none fits better."""
        if voice and self.voice:
            return self.voice
        if perspective == "other" and self.other:
            return self.other
        if easy and self.easy:
            return self.easy
        return self.plain

    def all(self) -> tuple[str, ...]:
        """Every variant written, plain first."""
        return tuple(text for text in (self.plain, self.other, self.easy, self.voice) if text)


@dataclass(frozen=True)
class Option:
    """One choice a person can pick, by number, by button or by word."""

    value: str
    label: str
    synonyms: tuple[str, ...] = ()
    # Points for a scored instrument (PHQ-9, GAD-7).
    score: int | None = None
    # Picking it rules out every other choice ("None of these", "Prefer not to say").
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """A test on the answers so far, written in the flow as a small mapping.

    Exactly one of the tests is set; `all`/`any` combine others; `negate` turns it round.
    """

    answer: str = ""
    score: str = ""
    is_: tuple[Any, ...] = ()
    includes: str = ""
    answered: bool | None = None
    age_under: int | None = None
    at_least: int | None = None
    score_at_least: int | None = None
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    negate: Condition | None = None


@dataclass(frozen=True)
class RiskRule:
    """An answer that shows risk (e.g. "yes" to "a risk to yourself?")."""

    category: str
    when: Condition


@dataclass(frozen=True)
class Question:
    """One thing the bot asks, with the words a person and a practitioner see."""

    id: str
    kind: str
    label: str
    ask: Wording
    retry: Wording
    why: Wording = field(default_factory=lambda: Wording(""))
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    # For dates: "past" (a birthday) or "future" (the next court date).
    tense: str = "past"
    options: tuple[Option, ...] = ()
    optional: bool = False
    when: Condition | None = None
    # In the short read-back before sending, where a single answer can be corrected.
    readback: bool = False
    # Asked first: once every essential question that applies is answered, the referral
    # is sent, and the rest only enrich it (a person who stops there is still referred).
    essential: bool = False
    # The conversation ends kindly, saying `ends_say`, when this holds: "ineligible" (not
    # a person the team can help) or "declined" (no agreement to share).
    ends_when: Condition | None = None
    ends_say: Wording | None = None
    ends_as: str = ""

    risk: tuple[RiskRule, ...] = ()
    # A consent question: who the person agrees may receive the referral.
    consent_for: str = ""
    section: str = ""

    def option(self, value: str) -> Option | None:
        """The option with this value, if any."""
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True)
class Ending:
    """The conversation ends kindly when a test on the answers holds, whichever question
    was answered last: written in a section (a team's own eligibility, e.g. an age from
    the date of birth asked later in a shared section), checked after each answer it
    looks at."""

    when: Condition
    say: Wording
    # "ineligible" or "declined", as for a question's own ending.
    outcome: str
    # The answers its test looks at: it is checked when one of them is given.
    after: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Band:
    """A named range of a score, from `lowest` up to the next band."""

    lowest: int
    label: str


@dataclass(frozen=True)
class Score:
    """A total of option scores over some questions, with its bands."""

    id: str
    label: str
    items: tuple[str, ...]
    bands: tuple[Band, ...] = ()

    def band(self, total: int) -> str:
        """The label of the band the total falls in."""
        found = ""
        for band in self.bands:
            if total >= band.lowest:
                found = band.label
        return found


@dataclass(frozen=True)
class Flow:
    """An ordered questionnaire with an id and a version stored on every referral."""

    id: str
    version: int
    title: str
    questions: tuple[Question, ...] = ()
    scores: tuple[Score, ...] = ()
    sections: tuple[str, ...] = ()
    endings: tuple[Ending, ...] = ()

    def question(self, question_id: str) -> Question:
        """Return the question with this id, or raise KeyError."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def has(self, question_id: str) -> bool:
        """Whether this flow asks a question with this id."""
        return any(question.id == question_id for question in self.questions)

    @property
    def sends_essentials_first(self) -> bool:
        """Whether it marks essential questions: they are sent before the rest are asked."""
        return any(question.essential for question in self.questions)

    @property
    def question_ids(self) -> list[str]:
        """The ids in the order they are asked."""
        return [question.id for question in self.questions]

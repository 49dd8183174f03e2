"""A scripted person: answers whatever the bot asks from a table of answers by question.

The bot decides the order (branches depend on answers), so a script cannot be a fixed
list of lines: this reads each question the bot sends, knows it by its wording, and
answers it. Used by `triage bench` and by the tests that walk every team's flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from flows import Flow
from flows.model import CARRY_ON as OFFER_TO_CARRY_ON
from flows.model import REVIEW
from flows.phrases import phrases

DATA = Path(__file__).resolve().parents[2] / "data"
DEMO_ANSWERS = DATA / "demo" / "answers.yml"
# The gateway's messages that end a conversation: sent, stopped, or nothing more to ask.
ENDING_KEYS = ("referral_sent", "referral_added", "referral_stopped", "conversation_ended")
SKIP = "/skip"
CARRY_ON = "When you are ready, we can carry on. "


def typed(answer: str) -> str:
    """What a person types for a scripted answer: the word "skip" for a scripted SKIP."""
    return "skip" if answer == SKIP else answer


@lru_cache(maxsize=1)
def _ending_starts(path: Path = DATA / "messages.yml") -> tuple[str, ...]:
    wording = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(" ".join(str(wording[k]).split()).split("{")[0][:40] for k in ENDING_KEYS)


def ended(messages: list[str]) -> bool:
    """Whether the bot's messages end the conversation.

    Known by how an ending message starts (before any blank, at most 40 characters), so
    a channel that adds to the end of the message, as voice does, is still recognised.
    """
    said_the_end = any(message.startswith(_ending_starts()) for message in messages)
    # "Sent" after the essentials is followed by the offer to answer the rest.
    return said_the_end and not any(message.startswith(_offer_start()) for message in messages)


def _offer_start() -> str:
    return phrases()["carry_on"].plain[:40]


class UnknownQuestion(LookupError):
    """The bot said something the script does not recognise as a question."""


def demo_answers(branch: str = "self", path: Path = DEMO_ANSWERS) -> dict[str, str]:
    """The demo answers for a self-referral, or with a professional's answers over them."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers = {str(k): str(v) for k, v in raw["self"].items()}
    if branch != "self":
        answers.update({str(k): str(v) for k, v in raw[branch].items()})
    return answers


@dataclass
class Respondent:
    """Knows a flow's questions by every wording variant, and the answer to give each."""

    flow: Flow
    answers: Mapping[str, str]

    def question_in(self, message: str) -> str:
        """The question id (or REVIEW) a bot message asks."""
        # After an aside (crisis contacts, a person asked for) the question comes again.
        message = message.removeprefix(CARRY_ON)
        found = [
            (len(wording), question.id)
            for question in self.flow.questions
            for wording in question.ask.all()
            if message.startswith(wording)
        ]
        review_starts = {wording.split("{")[0] for wording in phrases()["review"].all()}
        review_starts.add(phrases()["review_choose"].plain)
        if any(message.startswith(start) for start in review_starts):
            found.append((0, REVIEW))
        if message.startswith(_offer_start()):
            found.append((0, OFFER_TO_CARRY_ON))
        if not found:
            raise UnknownQuestion(message[:80])
        return max(found)[1]

    def reply_to(self, messages: list[str]) -> tuple[str, str]:
        """(question id, what to send) for the last question among the bot's messages."""
        for message in reversed(messages):
            try:
                question = self.question_in(message)
            except UnknownQuestion:
                continue
            if question not in self.answers:
                raise UnknownQuestion(f"no scripted answer for {question}")
            answer = self.answers[question]
            return question, typed(answer)
        raise UnknownQuestion(" | ".join(m[:60] for m in messages))

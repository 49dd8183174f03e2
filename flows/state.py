"""The records the flow engine passes around, kept apart so every part can import them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Conversation controls, as the gateway names them (recognised deterministically there).
STOP, SKIP, BACK, REPEAT, WHY, RESTART, EASY = (
    "control_stop",
    "control_skip",
    "control_back",
    "control_repeat",
    "control_why",
    "control_restart",
    "control_easy",
)
# Sent by the gateway, never typed: a call dropped, so keep what was answered so far
# without ending the form (the caller may ring back and carry on).
SNAPSHOT = "control_snapshot"
CONTROLS = (STOP, SKIP, BACK, REPEAT, WHY, RESTART, EASY, SNAPSHOT)
# How a conversation with a flow can end.
COMPLETE, STOPPED, INELIGIBLE, DECLINED = "complete", "stopped", "ineligible", "declined"
DROPPED = "dropped"
# A referral sent once its essential questions were answered, the rest still to come.
ESSENTIALS = "essentials"
# Answers given after that, handed over as they come so none waits only in the bot.
ADDING = "adding"


@dataclass(frozen=True)
class Context:
    """What the engine needs to know besides the answers."""

    today: date
    voice: bool = False
    # When the message arrived (ISO-8601), stamped on each answer (consent needs it).
    now: str = ""
    # Files the conversation has received so far (a documents question checks it).
    documents: int = 0


@dataclass(frozen=True)
class FlowState:
    """Where a conversation is in its flow, kept between messages as a plain dict."""

    history: tuple[str, ...] = ()
    misses: int = 0
    easy: bool = False
    # Asked "which answer do you want to change?".
    choosing: bool = False
    answered_at: Mapping[str, str] = field(default_factory=dict)
    outcome: str = ""
    ended_at_question: str = ""
    # The essentials were handed over and are in the queue: later answers enrich them.
    sent: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (a Rasa slot holds it)."""
        return {
            "history": list(self.history),
            "misses": self.misses,
            "easy": self.easy,
            "choosing": self.choosing,
            "answered_at": dict(self.answered_at),
            "outcome": self.outcome,
            "ended_at_question": self.ended_at_question,
            "sent": self.sent,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> FlowState:
        """Rebuild from `to_dict`; anything missing or odd starts afresh."""
        if not isinstance(raw, Mapping):
            return cls()
        return cls(
            history=tuple(str(item) for item in raw.get("history") or ()),
            misses=int(raw.get("misses") or 0),
            easy=bool(raw.get("easy")),
            choosing=bool(raw.get("choosing")),
            answered_at={str(k): str(v) for k, v in (raw.get("answered_at") or {}).items()},
            outcome=str(raw.get("outcome") or ""),
            ended_at_question=str(raw.get("ended_at_question") or ""),
            sent=bool(raw.get("sent")),
        )


@dataclass(frozen=True)
class Step:
    """The result of one message."""

    answers: dict[str, Any]
    state: FlowState
    say: tuple[str, ...] = ()
    # The next question id, REVIEW, or None when the conversation ended (see state.outcome).
    ask: str | None = None
    # (category, question id) for each risk the answer showed.
    risks: tuple[tuple[str, str], ...] = ()
    # Hand the referral over now, before asking on: the essentials were just confirmed.
    send: bool = False


@dataclass(frozen=True)
class Prompt:
    """A question as put to this listener: its words and the choices to offer."""

    text: str
    options: tuple[str, ...] = ()

"""`DialogueStateTracker.applied_events` in one pass over the conversation.

Rasa 3.6 works out which events apply (a form's runs folded into one, reverted turns taken
out) event by event. At each run of a form it walks back over the events applied so far
to the form's previous run, and so over every slot and bot message since the form began:
those stay in place while the actions and messages between are taken out. A referral is
one long form, so each call costs the square of the conversation's length, and Rasa calls
it about six times a turn. Measured with py-spy on whole referrals, it was a third of a
late turn's time.

The same walks here step only over the events that can decide them (actions, messages
from the person, loop changes and rejections), kept as a list of positions beside the
applied events. An event taken out in the middle is blanked and dropped at the end, so
positions never move. The rules are Rasa's, step for step (rasa/shared/core/trackers.py:
`applied_events`, `_undo_till_previous`, `_first_loop_execution_or_unhappy_path`,
`_is_within_unhappy_path`, `_undo_till_previous_loop_execution`), and the answer is the
same list of the same event objects: tests/rasa_side/check_patches.py compares the two on
thousands of generated conversations and on recorded ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# What Rasa asks of an event, by class: `isinstance` on Rasa's abstract event classes is
# slow, and a class's answers never change.
DECIDES = (ActiveLoop, ActionExecutionRejected, UserUttered, ActionExecuted,
           DefinePrevUserUtteredFeaturization)  # fmt: skip
RESETS = (Restarted, SessionStarted)
kinds: dict[type[Event], tuple[bool, bool, bool, bool, bool]] = {}


def kind_of(event: Event) -> tuple[bool, bool, bool, bool, bool]:
    """(starts again, reverts an action, reverts a message, is an action, decides a walk)."""
    cls = type(event)
    kind = kinds.get(cls)
    if kind is None:
        kind = (
            issubclass(cls, RESETS),
            issubclass(cls, ActionReverted),
            issubclass(cls, UserUtteranceReverted),
            issubclass(cls, ActionExecuted),
            issubclass(cls, DECIDES),
        )
        kinds[cls] = kind
    return kind


class Applied:
    """The events applied so far, with the positions of those that decide a walk back.

    A position holds None once its event is taken out of the middle."""

    def __init__(self) -> None:
        self.events: list[Event | None] = []
        self.deciding: list[int] = []

    def append(self, event: Event) -> None:
        if kind_of(event)[4]:
            self.deciding.append(len(self.events))
        self.events.append(event)

    def undo_till_previous(self, event_type: type[Event]) -> None:
        """Rasa's `_undo_till_previous`: take out events from the end, up to and with the
        last one of `event_type` (all of them if there is none)."""
        cut = 0
        kept = len(self.deciding)
        while kept:
            kept -= 1
            position = self.deciding[kept]
            if isinstance(self.events[position], event_type):
                cut = position
                break
        else:
            kept = 0
        del self.events[cut:]
        del self.deciding[kept:]

    def first_loop_execution_or_unhappy_path(self, loop_name: str | None) -> bool:
        """Rasa's check of the same name, over the deciding events only (no other kind of
        event changes its answer)."""
        next_action: str | None = None
        for position in reversed(self.deciding):
            event = self.events[position]
            if isinstance(event, ActiveLoop) and event.name is None:
                return True
            if isinstance(event, ActionExecutionRejected) and event.action_name == loop_name:
                return True
            if (
                isinstance(event, UserUttered)
                and next_action is not None
                and next_action != loop_name
            ):
                return True
            if isinstance(event, ActionExecuted):
                if event.action_name == loop_name:
                    return False
                next_action = event.action_name
        return True

    def undo_till_previous_loop_execution(self, loop_name: str | None) -> None:
        """Rasa's `_undo_till_previous_loop_execution`: back to the loop's last run, take
        out actions and messages; slots and everything else stay."""
        stays: list[int] = []
        while self.deciding:
            position = self.deciding[-1]
            event = self.events[position]
            if isinstance(event, ActionExecuted) and event.action_name == loop_name:
                break
            self.deciding.pop()
            if isinstance(event, (ActionExecuted, UserUttered, DefinePrevUserUtteredFeaturization)):
                self.events[position] = None
            else:
                stays.append(position)
        self.deciding.extend(reversed(stays))

    def in_order(self) -> list[Event]:
        return [event for event in self.events if event is not None]


def applied_events_of(events: Iterable[Event]) -> list[Event]:
    """What Rasa's `DialogueStateTracker.applied_events` returns for these events."""
    events = list(events)
    loop_names = {event.name for event in events if isinstance(event, ActiveLoop) and event.name}
    applied = Applied()
    for event in events:
        resets, reverts_action, reverts_message, is_action, _ = kind_of(event)
        if resets:
            applied = Applied()
        elif reverts_action:
            applied.undo_till_previous(ActionExecuted)
        elif reverts_message:
            applied.undo_till_previous(UserUttered)
            applied.undo_till_previous(ActionExecuted)
        elif (
            is_action
            and event.action_name in loop_names  # type: ignore[attr-defined]
            and not applied.first_loop_execution_or_unhappy_path(event.action_name)  # type: ignore[attr-defined]
        ):
            applied.undo_till_previous_loop_execution(event.action_name)  # type: ignore[attr-defined]
        else:
            applied.append(event)
    return applied.in_order()


def applied_events(self: DialogueStateTracker) -> list[Event]:
    return applied_events_of(self.events)


def install() -> None:
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]

"""An event's class found by its type name once, not once per stored event.

Reading a conversation, Rasa 3.6 turns each stored event back into an object, and finds
its class by walking every subclass of Event (with an `inspect.isabstract` check on each)
for every event: 12% of a late turn in the form on this machine. The answer for a type
name never changes once Rasa is loaded, so it is kept after the first time. Names Rasa
does not know, and the old "topic", still go to Rasa's own lookup each time, so its
defaults and errors are as before.
"""

from __future__ import annotations

from rasa.shared.core.events import Event

rasas_resolve = Event.resolve_by_type
known: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = known.get(type_name)
    if found is not None:
        return found
    try:
        found = rasas_resolve(type_name)
    except ValueError:
        return rasas_resolve(type_name, default)
    if found is not None:
        known[type_name] = found
    return found


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]

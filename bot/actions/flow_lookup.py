"""Which flow a conversation is in, read from the tracker (shared by the actions)."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Tracker

from flows import Flow, load_flows


@lru_cache(maxsize=1)
def all_flows() -> dict[str, Flow]:
    """Every flow, loaded once per action-server process."""
    return load_flows()


def flow_for_form(form_name: str) -> Flow | None:
    """The flow behind a Rasa form name, if there is one."""
    for flow in all_flows().values():
        if flow.form_name == form_name:
            return flow
    return None


def last_flow(tracker: Tracker) -> Flow | None:
    """The flow of the most recent form the conversation was in."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name"):
            flow = flow_for_form(event["name"])
            if flow is not None:
                return flow
    return None

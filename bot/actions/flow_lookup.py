"""What the actions read from the tracker: the flow, the answers so far, the listener."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from flows import Flow, load_flows
from flows.rasa_domain import FLOW_SLOT, STATE_SLOT
from flows.state import Context, FlowState


@lru_cache(maxsize=1)
def all_flows() -> dict[str, Flow]:
    """Every flow, loaded once per action-server process."""
    return load_flows()


def metadata(tracker: Tracker) -> dict[str, Any]:
    """What the gateway sent with the latest message (team, channel, flow, time)."""
    found = (tracker.latest_message or {}).get("metadata") or {}
    return found if isinstance(found, dict) else {}


def flow_for(tracker: Tracker) -> Flow:
    """The team's flow, as the gateway names it; the first flow if it names none."""
    flows = all_flows()
    wanted = metadata(tracker).get("flow_id") or tracker.get_slot(FLOW_SLOT)
    return flows.get(str(wanted), next(iter(flows.values())))


def answers_of(flow: Flow, tracker: Tracker) -> dict[str, Any]:
    """The answers so far, from the question slots."""
    return {question_id: tracker.get_slot(question_id) for question_id in flow.question_ids}


def state_of(tracker: Tracker) -> FlowState:
    """Where the conversation is in its flow."""
    return FlowState.from_dict(tracker.get_slot(STATE_SLOT))


def context_for(tracker: Tracker) -> Context:
    """The day (the gateway's clock, which tests and demos may pin) and the channel."""
    meta = metadata(tracker)
    now = str(meta.get("now") or "")
    try:
        today = datetime.fromisoformat(now).date() if now else date.today()
    except ValueError:
        today = date.today()
    channel = meta.get("channel") or tracker.get_slot("channel")
    documents = meta.get("documents")
    return Context(
        today=today,
        voice=channel == "voice",
        now=now,
        documents=documents if isinstance(documents, int) else 0,
    )

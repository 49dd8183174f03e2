"""What the actions read from the tracker: the flow, the answers so far, the listener."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from flows import Flow, load_flows
from flows.protocol import CHANNEL, VOICE, GatewayMetadata
from flows.rasa_domain import FLOW_SLOT, STATE_SLOT
from flows.state import Context, FlowState


@lru_cache(maxsize=1)
def all_flows() -> dict[str, Flow]:
    """Every flow, loaded once per action-server process."""
    return load_flows()


def metadata(tracker: Tracker) -> GatewayMetadata:
    """What the gateway sent with the latest message (team, channel, flow, time)."""
    return GatewayMetadata.from_dict((tracker.latest_message or {}).get("metadata"))


def flow_for(tracker: Tracker) -> Flow:
    """The team's flow, as the gateway names it; the first flow if it names none."""
    flows = all_flows()
    wanted = metadata(tracker).flow_id or tracker.get_slot(FLOW_SLOT)
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
    # `from_dict` keeps `now` only when it is ISO-8601, so it parses here.
    today = datetime.fromisoformat(meta.now).date() if meta.now else date.today()
    # The session start copies the channel into a slot of the same name.
    channel = meta.channel or tracker.get_slot(CHANNEL)
    return Context(today=today, voice=channel == VOICE, now=meta.now, documents=meta.documents)

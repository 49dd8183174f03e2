"""Walked referrals and ways of reading FHIR JSON, for the FHIR export's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flows import load_flows
from flows.record import referral_record
from flows.state import COMPLETE, Context
from tests.conftest import OPEN_HOURS
from tests.support.engine_walk import walk_engine
from webhooks.dev.scripted import demo_answers

CONTEXT = Context(today=OPEN_HOURS.date(), now=OPEN_HOURS.isoformat())
FLOW_IDS = ("together_london", "coventry_warwickshire", "south_essex")
Json = dict[str, Any]


def walked_record(flow_id: str, branch: str = "self", **overrides: str) -> Json:
    """A whole referral through a team's flow, with the demo answers (and these), as the
    flow hands it to the gateway."""
    flow = load_flows()[flow_id]
    final = list(walk_engine(flow, {**demo_answers(branch), **overrides}, CONTEXT))[-1]
    assert final.state.outcome == COMPLETE
    return referral_record(flow, final.answers, final.state, CONTEXT)


def resources(bundle: Json) -> dict[str, Json]:
    """The bundle's resources by type (one of each)."""
    found = {entry["resource"]["resourceType"]: entry["resource"] for entry in bundle["entry"]}
    assert len(found) == len(bundle["entry"])
    return found


def items(container: Json) -> Iterator[Json]:
    """Every item at any depth: groups, questions, and items under an answer."""
    for item in container.get("item", []):
        yield item
        yield from items(item)
        for answer in item.get("answer", []):
            yield from items(answer)


def link_ids(container: Json) -> list[str]:
    """Every linkId at any depth, in order."""
    return [item["linkId"] for item in items(container)]


def answered(response: Json) -> dict[str, list[Json]]:
    """Each question item of a QuestionnaireResponse that has answers, by linkId."""
    return {item["linkId"]: item["answer"] for item in items(response) if "answer" in item}


def references(value: object) -> Iterator[str]:
    """Every `reference` string anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                yield inner
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)

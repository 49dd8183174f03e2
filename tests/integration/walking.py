"""Answer whatever the live bot asks, from the demo answers, until the referral ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from flows import load_flows
from tests.integration.conftest import RunningStack
from tests.support.expected import SKIPPED
from webhooks.dev.scripted import Respondent, demo_answers, ended

Send = Callable[[str], list[str]]
# How "sent" (after the essentials) and "the rest is with it" (at the end) begin.
SENT = "Thank you. Your referral has been sent"
ADDED = "Thank you. Everything you told me is with your referral"
FLOW_OF = {
    "together-london": "together_london",
    "coventry-warwickshire": "coventry_warwickshire",
    "south-essex": "south_essex",
}


def respondent(team_id: str, branch: str, **overrides: str) -> Respondent:
    """A scripted person for this team's flow, with some answers changed."""
    return Respondent(load_flows()[FLOW_OF[team_id]], {**demo_answers(branch), **overrides})


def answer_until(
    send: Send, person: Respondent, messages: list[str], stop_before: str | None = None
) -> tuple[list[str], list[str]]:
    """Answer each question asked; return (question ids answered, the last messages)."""
    asked: list[str] = []
    for _ in range(150):
        if ended(messages):
            return asked, messages
        question, text = person.reply_to(messages)
        if question == stop_before:
            return asked, messages
        asked.append(question)
        messages = send(text)
    raise AssertionError(f"the conversation never ended; last: {messages}")


def referral_by_name(
    stack: RunningStack, team_id: str, name: str, status: str = ""
) -> dict[str, Any]:
    """The one referral (detail) for this person's name, from the JSON API."""
    query = f"?per_page=200&status={status}" if status else "?per_page=200"
    headers = {"Authorization": f"Bearer {stack.api_token(team_id)}"}
    listed = requests.get(f"{stack.url}/api/referrals{query}", headers=headers, timeout=10)
    [summary] = [r for r in listed.json()["referrals"] if r["fields"].get("full_name") == name]
    detail = requests.get(f"{stack.url}/api/referrals/{summary['id']}", headers=headers, timeout=10)
    found: dict[str, Any] = detail.json()
    return found


def stored_fields(detail: dict[str, Any]) -> dict[str, Any]:
    """Each answer's value, or SKIPPED, by question id."""
    return {
        answer["question_id"]: SKIPPED if answer["skipped"] else answer["value"]
        for answer in detail["answers"]
    }

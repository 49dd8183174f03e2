"""Generate the Rasa domain part (slots, forms, questions) from the flows.

`python -m flows.rasa_domain` rewrites `bot/domain/flows.yml`; `--check` exits 1 when the
committed file has drifted from the flows, which the test suite also asserts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from flows.controls import control_intents
from flows.loader import load_flows
from flows.model import Flow, Question

GENERATED_DOMAIN = Path(__file__).resolve().parents[1] / "bot" / "domain" / "flows.yml"
HEADER = "# Generated from flows/definitions by `python -m flows.rasa_domain`. Do not edit.\n"


def build_domain(flows: dict[str, Flow]) -> dict[str, Any]:
    """Return the domain dictionary for every flow: one form, one slot per question."""
    slots: dict[str, Any] = {}
    forms: dict[str, Any] = {}
    responses: dict[str, Any] = {}
    actions: list[str] = []
    for flow in flows.values():
        forms[flow.form_name] = {"required_slots": flow.question_ids}
        actions.append(f"validate_{flow.form_name}")
        for question in flow.questions:
            slots[question.id] = _slot(flow.form_name, question)
            responses[f"utter_ask_{question.id}"] = [_ask(question)]
    return {
        "version": "3.1",
        "intents": sorted(set(control_intents().values())),
        "slots": slots,
        "forms": forms,
        "responses": responses,
        "actions": actions,
    }


def render_domain(flows: dict[str, Flow]) -> str:
    """The generated domain file's exact text."""
    body = yaml.safe_dump(build_domain(flows), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def _slot(form_name: str, question: Question) -> dict[str, Any]:
    return {
        "type": "any",
        "influence_conversation": False,
        "mappings": [
            {
                "type": "from_text",
                # A control (sent deterministically by the gateway) is never taken as an answer.
                "not_intent": sorted(set(control_intents().values())),
                "conditions": [{"active_loop": form_name, "requested_slot": question.id}],
            }
        ],
    }


def _ask(question: Question) -> dict[str, Any]:
    response: dict[str, Any] = {"text": question.ask}
    if question.options:
        # The button payload is the label itself: it reaches the form as plain text and is
        # parsed exactly like a typed answer, on every channel.
        response["buttons"] = [
            {"title": option.label, "payload": option.label} for option in question.options
        ]
    return response


def main(argv: list[str] | None = None) -> int:
    """Write the generated domain, or check it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file has drifted")
    args = parser.parse_args(argv)
    expected = render_domain(load_flows())
    if args.check:
        current = GENERATED_DOMAIN.read_text(encoding="utf-8") if GENERATED_DOMAIN.exists() else ""
        if current != expected:
            print(f"{GENERATED_DOMAIN} is out of date: run `python -m flows.rasa_domain`")
            return 1
        return 0
    GENERATED_DOMAIN.write_text(expected, encoding="utf-8")
    print(f"wrote {GENERATED_DOMAIN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

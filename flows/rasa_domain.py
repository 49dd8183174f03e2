"""Generate the Rasa domain part (slots, the form, the ask actions) from the flows.

One form, `referral_form`, serves every team's flow: its validation action walks the
flow with the engine and names the next question itself, so the order, branches and
controls live in `flows/` alone. Wording stays there too: each question is asked by
an `action_ask_<id>` that picks the right variant for the listener.

`python -m flows.rasa_domain` rewrites `bot/domain/flows.yml`, and Rasa's own responses
(`bot/domain/responses.yml`, see `flows.rasa_responses`); `--check` exits 1 when either
committed file has drifted from its sources, which the test suite also asserts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from flows.contacts import FILE_NAME as CONTACTS_FILE
from flows.contacts import load_crisis_contacts
from flows.controls import rasa_control_intents
from flows.data_dir import data_dir
from flows.loader import load_flows
from flows.model import CARRY_ON, REVIEW, Flow
from flows.rasa_responses import GENERATED_RESPONSES, render_responses
from flows.state import CONTROLS

GENERATED_DOMAIN = Path(__file__).resolve().parents[1] / "bot" / "domain" / "flows.yml"
HEADER = "# Generated from flows/ by `python -m flows.rasa_domain`. Do not edit.\n"
FORM = "referral_form"
# Slots the form's validation action keeps besides the answers.
STATE_SLOT, FLOW_SLOT = "flow_state", "flow_id"


def slot_names(flows: dict[str, Flow]) -> list[str]:
    """Every question id of every flow, first seen first, then the read-back and the
    offer to carry on after the essentials were sent."""
    names: list[str] = []
    for flow in flows.values():
        names.extend(qid for qid in flow.question_ids if qid not in names)
    return [*names, REVIEW, CARRY_ON]


def build_domain(flows: dict[str, Flow]) -> dict[str, Any]:
    """The domain dictionary: one slot per question, one form, one ask action per slot."""
    names = slot_names(flows)
    slots: dict[str, Any] = {name: _answer_slot(name) for name in names}
    slots[STATE_SLOT] = {"type": "any", "influence_conversation": False, "mappings": _custom()}
    slots[FLOW_SLOT] = {"type": "text", "influence_conversation": False, "mappings": _custom()}
    return {
        "version": "3.1",
        "intents": sorted(rasa_control_intents() | set(CONTROLS)),
        "slots": slots,
        "forms": {FORM: {"required_slots": names}},
        # Rasa sends its whole domain (27 KB) with every call to an action named validate_*
        # unless told not to; the form's validation never reads it.
        "actions": [
            {f"validate_{FORM}": {"send_domain": False}},
            *(f"action_ask_{name}" for name in names),
        ],
    }


def render_domain(flows: dict[str, Flow]) -> str:
    """The generated domain file's exact text."""
    body = yaml.safe_dump(build_domain(flows), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def _answer_slot(name: str) -> dict[str, Any]:
    # Every message while a question is open reaches the validation action as text: it
    # tells controls (sent as intents by the gateway) from answers itself.
    return {
        "type": "any",
        "influence_conversation": False,
        "mappings": [
            {
                "type": "from_text",
                "conditions": [{"active_loop": FORM, "requested_slot": name}],
            }
        ],
    }


def _custom() -> list[dict[str, str]]:
    return [{"type": "custom"}]


def generated_files() -> dict[Path, str]:
    """Each generated domain file and the text it must have."""
    contacts = load_crisis_contacts(data_dir() / CONTACTS_FILE)
    return {
        GENERATED_DOMAIN: render_domain(load_flows()),
        GENERATED_RESPONSES: render_responses(contacts),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the generated domain files, or check they are up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file has drifted")
    args = parser.parse_args(argv)
    drifted = 0
    for path, expected in generated_files().items():
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != expected:
                print(f"{path} is out of date: run `python -m flows.rasa_domain`")
                drifted = 1
            continue
        path.write_text(expected, encoding="utf-8")
        print(f"wrote {path}")
    return drifted


if __name__ == "__main__":
    sys.exit(main())

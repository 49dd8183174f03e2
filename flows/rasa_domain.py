"""Generate the Rasa domain part (slots, the form, the ask actions) from the flows.

One form, `referral_form`, serves every team's flow: its validation action walks the
flow with the engine and names the next question itself, so the order, branches and
controls live in `flows/` alone. Wording stays there too: each question is asked by
an `action_ask_<id>` that picks the right variant for the listener.

`python -m flows.rasa_domain` rewrites `bot/domain/flows.yml`; `--check` exits 1 when the
committed file has drifted from the flows, which the test suite also asserts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from flows.controls import rasa_control_intents
from flows.loader import load_flows
from flows.model import REVIEW, Flow
from flows.state import CONTROLS

GENERATED_DOMAIN = Path(__file__).resolve().parents[1] / "bot" / "domain" / "flows.yml"
HEADER = "# Generated from flows/ by `python -m flows.rasa_domain`. Do not edit.\n"
FORM = "referral_form"
# Slots the form's validation action keeps besides the answers.
STATE_SLOT, FLOW_SLOT = "flow_state", "flow_id"


def slot_names(flows: dict[str, Flow]) -> list[str]:
    """Every question id of every flow, first seen first, then the read-back."""
    names: list[str] = []
    for flow in flows.values():
        names.extend(qid for qid in flow.question_ids if qid not in names)
    return [*names, REVIEW]


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
        "actions": [f"validate_{FORM}", *(f"action_ask_{name}" for name in names)],
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

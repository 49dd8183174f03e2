"""Recognise conversation controls ("stop", …) deterministically, from `controls.yml`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTROLS_FILE = Path(__file__).resolve().parent / "controls.yml"
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed: "STOP!!" -> "stop"."""
    return " ".join(_NOT_WORD.sub(" ", text.lower().replace("\u2019", "'")).split())


@lru_cache(maxsize=1)
def _controls() -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = yaml.safe_load(CONTROLS_FILE.read_text(encoding="utf-8"))
    return raw


def rasa_control_intents() -> set[str]:
    """The control intents Rasa receives (the gateway answers the others itself)."""
    return {
        str(control["intent"])
        for control in _controls().values()
        if control.get("intent") and not control.get("gateway_only")
    }


@lru_cache(maxsize=1)
def control_intents() -> dict[str, str]:
    """Every control phrase (normalised) mapped to the intent it stands for."""
    raw = _controls()
    table: dict[str, str] = {}
    for name, control in raw.items():
        intent = control.get("intent")
        if not intent:
            raise ValueError(f"controls.yml: {name} has no intent")
        for phrase in control.get("phrases", []):
            table[normalise(str(phrase))] = str(intent)
    return table


def detect_control(text: str) -> str | None:
    """The control intent this whole message asks for, or None."""
    return control_intents().get(normalise(text))

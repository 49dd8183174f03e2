"""The NLU training data: one meaning per example."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml

NLU_DIR = Path(__file__).resolve().parents[2] / "nlu"
# Entity markup: "[Rugby](place)" is the text "Rugby".
_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _plain(text: str) -> str:
    words = re.sub(r"[^\w' ]", " ", _ENTITY.sub(r"\1", text).lower())
    return " ".join(words.split())


def _examples() -> dict[str, set[str]]:
    """Every example's plain text, and the intents it is written under."""
    intents: dict[str, set[str]] = defaultdict(set)
    for path in sorted(NLU_DIR.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" not in item:
                continue
            for line in item["examples"].splitlines():
                if line.strip().startswith("- "):
                    intents[_plain(line.strip()[2:])].add(item["intent"])
    return intents


def test_it_gives_no_example_two_intents() -> None:
    clashes = {text: names for text, names in _examples().items() if len(names) > 1}
    assert clashes == {}

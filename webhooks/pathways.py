"""Which of a team's pathways a referral belongs to, read from its answers by the rules in
`data/pathways.yml` (custody, court, outreach…), so the queue can be filtered by pathway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from webhooks.hours import ServiceHours

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "pathways.yml"


class PathwayRulesError(ValueError):
    """The rules file is malformed; the message says where."""


@dataclass(frozen=True)
class PathwayRule:
    """An answer that places a referral on a pathway."""

    pathway: str
    question: str
    answers: frozenset[str]


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> tuple[PathwayRule, ...]:
    """The rules in order, read once; PathwayRulesError naming the rule if one is malformed."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for index, spec in enumerate(raw.get("rules") or []):
        try:
            rules.append(
                PathwayRule(
                    pathway=str(spec["pathway"]),
                    question=str(spec["question"]),
                    answers=frozenset(str(answer) for answer in spec["answers"]),
                )
            )
        except (KeyError, TypeError) as error:
            raise PathwayRulesError(f"{path.name}: rule {index + 1} is malformed") from error
    return tuple(rules)


def pathway_for(hours: ServiceHours, given: Mapping[str, object]) -> str | None:
    """The first pathway a rule names that this team has, else its pickup pathway."""
    for rule in load_rules():
        value = given.get(rule.question)
        if isinstance(value, str) and value in rule.answers and rule.pathway in hours.pathways:
            return rule.pathway
    return hours.pickup

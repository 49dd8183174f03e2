"""`{name}` placeholders in wording: filled from data, and never left unknown.

Wording names facts kept elsewhere (a crisis contact's number, a team's minimum age) by
placeholder, so each fact is written once. A placeholder nobody fills is an error at
load, naming the file and the key: a typo such as "{samaritns}" must stop start-up,
never reach a person in a message.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

# Anything between braces is a placeholder, so "{Samaritans}" or "{ samaritans}" is
# reported rather than sent as it is.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class PlaceholderError(ValueError):
    """Wording names a placeholder that nothing fills; the message says where."""


def names_in(text: str) -> set[str]:
    """Every placeholder the text names."""
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, str], where: str, later: Collection[str] = ()) -> str:
    """The text with each placeholder in `values` filled; those in `later` are left for
    whoever fills them at run time (e.g. the team's name); any other is an error."""
    unknown = sorted(names_in(text) - set(values) - set(later))
    if unknown:
        named = ", ".join(f"{{{name}}}" for name in unknown)
        raise PlaceholderError(f"{where}: unknown placeholder {named}")
    return _PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), text)


def fill_all(raw: Any, values: Mapping[str, str], where: str) -> Any:
    """A copy of parsed YAML with every string in it filled (keys are left as written)."""
    if isinstance(raw, str):
        return fill(raw, values, where)
    if isinstance(raw, Mapping):
        return {key: fill_all(value, values, _within(where, key)) for key, value in raw.items()}
    if isinstance(raw, list):
        return [fill_all(item, values, f"{where}[{n}]") for n, item in enumerate(raw)]
    return raw


def _within(where: str, key: object) -> str:
    # "eligibility_south_essex.yml: questions[0].ask.self", as the loader names keys.
    return f"{where}: {key}" if where.endswith(".yml") else f"{where}.{key}"

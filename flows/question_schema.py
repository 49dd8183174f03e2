"""The schema of one question in a flow file: its keys, options, wording and rules.

Each function takes the raw YAML and where it came from, and either returns the record
or raises FlowError naming the file and the key.
"""

from __future__ import annotations

import re
from typing import Any

from flows.conditions import ConditionError, parse_condition, referenced_answers
from flows.errors import FlowError
from flows.model import (
    ANSWER_KINDS,
    DOCUMENT_CHOICES,
    Band,
    Condition,
    Ending,
    Option,
    Question,
    RiskRule,
    Score,
    Wording,
)

RISK_CATEGORIES = ("self", "others", "from_others")
ENDINGS = ("ineligible", "declined")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUESTION_KEYS = {
    "id",
    "kind",
    "label",
    "ask",
    "retry",
    "why",
    "max_length",
    "min",
    "max",
    "tense",
    "options",
    "optional",
    "when",
    "readback",
    "essential",
    "ends_when",
    "ends_say",
    "ends_as",
    "risk",
    "consent_for",
}
_OPTION_KEYS = {"value", "label", "synonyms", "score", "exclusive"}
_ENDING_KEYS = {"when", "say", "as"}
_WORDING_KEYS = {"self", "other", "easy", "voice"}
_YES_NO = (Option("yes", "Yes"), Option("no", "No"))


def question_from(raw: Any, where: str, section_when: Any, section: dict[str, Any]) -> Question:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    check_keys(raw, _QUESTION_KEYS, where, required={"id", "kind", "label", "ask", "retry"})
    question_id = identifier(raw["id"], f"{where}.id")
    kind = raw["kind"]
    if kind not in ANSWER_KINDS:
        raise FlowError(f"{where}: kind {kind!r} is not one of {', '.join(ANSWER_KINDS)}")
    options = _options(raw, kind, where)
    try:
        when = _when(raw.get("when"), section_when, where)
        ending = raw.get("ends_when")
        ends_when = (
            parse_condition(ending, f"{where}.ends_when", question_id)
            if ending is not None
            else None
        )
        risk = tuple(_risk(item, f"{where}.risk", question_id) for item in raw.get("risk") or [])
    except ConditionError as error:
        raise FlowError(str(error)) from error
    if (ends_when is None) != ("ends_say" not in raw):
        raise FlowError(f"{where}: ends_when and ends_say go together")
    ends_as = str(raw.get("ends_as", "ineligible" if ends_when is not None else ""))
    if ends_when is not None and ends_as not in ENDINGS:
        raise FlowError(f"{where}.ends_as: one of {', '.join(ENDINGS)}")
    tense = raw.get("tense", "past")
    if tense not in ("past", "future"):
        raise FlowError(f"{where}.tense: past or future")
    consent_for = raw.get("consent_for", "")
    if consent_for and kind != "yes_no":
        raise FlowError(f"{where}: a consent question must be yes_no")
    return Question(
        id=question_id,
        kind=kind,
        label=text(raw["label"], f"{where}.label"),
        ask=_wording(raw["ask"], f"{where}.ask"),
        retry=_wording(raw["retry"], f"{where}.retry"),
        why=_wording(raw.get("why", ""), f"{where}.why", allow_empty=True),
        max_length=_positive(raw.get("max_length", 200), f"{where}.max_length"),
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        tense=tense,
        options=options,
        optional=bool(raw.get("optional", False)),
        when=when,
        readback=bool(raw.get("readback", False)),
        essential=bool(raw.get("essential", False)),
        ends_when=ends_when,
        ends_say=_wording(raw["ends_say"], f"{where}.ends_say") if "ends_say" in raw else None,
        ends_as=ends_as,
        risk=risk,
        consent_for=str(consent_for),
        section=str(section.get("id", "")),
    )


def ending_from(raw: Any, where: str, section_when: Any) -> Ending:
    """An ending written in a section: `when` (naming its answers), `say`, and `as`."""
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    check_keys(raw, _ENDING_KEYS, where, required={"when", "say"})
    try:
        when = _when(raw["when"], section_when, where)
    except ConditionError as error:
        raise FlowError(str(error)) from error
    if when is None:
        raise FlowError(f"{where}: missing key(s) when")
    after = frozenset(referenced_answers(when))
    if not after:
        raise FlowError(f"{where}.when: name the answer it tests")
    outcome = str(raw.get("as", "ineligible"))
    if outcome not in ENDINGS:
        raise FlowError(f"{where}.as: one of {', '.join(ENDINGS)}")
    return Ending(when, _wording(raw["say"], f"{where}.say"), outcome, after)


def _when(own: Any, section_when: Any, where: str) -> Condition | None:
    conditions = [
        parse_condition(raw, f"{where}.when") for raw in (section_when, own) if raw is not None
    ]
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return Condition(all=tuple(conditions))


def _risk(raw: Any, where: str, question_id: str) -> RiskRule:
    if not isinstance(raw, dict) or raw.get("category") not in RISK_CATEGORIES:
        raise FlowError(f"{where}: each risk needs a category ({', '.join(RISK_CATEGORIES)})")
    if "when" not in raw:
        raise FlowError(f"{where}: each risk needs a when")
    return RiskRule(str(raw["category"]), parse_condition(raw["when"], where, question_id))


def _options(raw: dict[str, Any], kind: str, where: str) -> tuple[Option, ...]:
    items = raw.get("options")
    if kind == "yes_no":
        if items is None:
            return _YES_NO
        options = tuple(_option(item, f"{where}.options[{n}]") for n, item in enumerate(items))
        if [option.value for option in options] != ["yes", "no"]:
            raise FlowError(f"{where}: a yes_no question needs options yes then no")
        return options
    if kind in ("single", "multi", "documents"):
        if not isinstance(items, list) or len(items) < 2:
            raise FlowError(f"{where}: a {kind} question needs at least two options")
        options = tuple(_option(item, f"{where}.options[{n}]") for n, item in enumerate(items))
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            raise FlowError(f"{where}: option values used twice")
        if kind == "documents" and tuple(values) != DOCUMENT_CHOICES:
            raise FlowError(f"{where}: a documents question needs options {DOCUMENT_CHOICES}")
        return options
    if items is not None:
        raise FlowError(f"{where}: a {kind} question has no options")
    return ()


def _option(raw: Any, where: str) -> Option:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    check_keys(raw, _OPTION_KEYS, where, required={"value", "label"})
    synonyms = raw.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise FlowError(f"{where}.synonyms: expected a list of words")
    score = raw.get("score")
    if score is not None and not isinstance(score, int):
        raise FlowError(f"{where}.score: expected a whole number")
    return Option(
        value=identifier(str(raw["value"]), f"{where}.value"),
        label=text(raw["label"], f"{where}.label"),
        synonyms=tuple(s.strip().lower() for s in synonyms),
        score=score,
        exclusive=bool(raw.get("exclusive", False)),
    )


def score_from(raw: Any, where: str) -> Score:
    if not isinstance(raw, dict) or not {"id", "label", "items"} <= set(raw):
        raise FlowError(f"{where}: each score needs id, label and items")
    bands = tuple(
        Band(lowest=int(band["from"]), label=str(band["label"])) for band in raw.get("bands") or []
    )
    return Score(
        id=identifier(raw["id"], f"{where}.id"),
        label=str(raw["label"]),
        items=tuple(str(item) for item in raw["items"]),
        bands=bands,
    )


def check_keys(raw: dict[str, Any], allowed: set[str], where: str, required: set[str]) -> None:
    unknown = sorted(set(raw) - allowed - {"_file"})
    if unknown:
        raise FlowError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(raw))
    if missing:
        raise FlowError(f"{where}: missing key(s) {', '.join(missing)}")


def identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise FlowError(f"{where}: {value!r} must be lower_snake_case")
    return value


def _positive(value: Any, where: str) -> int:
    if not isinstance(value, int) or value < 1:
        raise FlowError(f"{where}: must be a positive whole number")
    return value


def text(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise FlowError(f"{where}: expected some text")
    return " ".join(value.split())


def _wording(value: Any, where: str, allow_empty: bool = False) -> Wording:
    """A string, or a mapping of variants with at least the plain (`self`) wording."""
    if isinstance(value, dict):
        check_keys(value, _WORDING_KEYS, where, required={"self"})
        texts = {key: text(value.get(key, ""), f"{where}.{key}", True) for key in _WORDING_KEYS}
        if not texts["self"]:
            raise FlowError(f"{where}.self: expected some text")
        return Wording(texts["self"], texts["other"], texts["easy"], texts["voice"])
    return Wording(text(value, where, allow_empty))

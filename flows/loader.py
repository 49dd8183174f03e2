"""Load and validate flow YAML files, failing with a message that names the problem."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from flows.model import ANSWER_KINDS, Flow, Option, Question

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FLOW_KEYS = {"id", "version", "title", "questions"}
_QUESTION_KEYS = {"id", "kind", "label", "ask", "retry", "why", "max_length", "options"}
_OPTION_KEYS = {"value", "label", "synonyms"}


class FlowError(ValueError):
    """A flow file is malformed; the message says which file and which key."""


def load_flows(directory: Path = DEFINITIONS_DIR) -> dict[str, Flow]:
    """Load every `*.yml` flow in a directory, keyed by flow id."""
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yml")):
        flow = load_flow(path)
        if flow.id in flows:
            raise FlowError(f"{path.name}: flow id {flow.id!r} is used twice")
        flows[flow.id] = flow
    return flows


def load_flow(path: Path) -> Flow:
    """Load one flow file and check it against the schema."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping at the top level")
    _check_keys(raw, _FLOW_KEYS, where, required={"id", "version", "title", "questions"})
    flow_id = _identifier(raw["id"], f"{where}: id")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise FlowError(f"{where}: version must be a whole number from 1")
    questions = raw["questions"]
    if not isinstance(questions, list) or not questions:
        raise FlowError(f"{where}: questions must be a non-empty list")
    parsed = tuple(_question(item, f"{where}: questions[{n}]") for n, item in enumerate(questions))
    ids = [question.id for question in parsed]
    duplicates = sorted({qid for qid in ids if ids.count(qid) > 1})
    if duplicates:
        raise FlowError(f"{where}: question ids used twice: {', '.join(duplicates)}")
    return Flow(
        id=flow_id,
        version=raw["version"],
        title=_text(raw["title"], f"{where}: title"),
        form_name=f"{flow_id}_form",
        questions=parsed,
    )


def _question(raw: Any, where: str) -> Question:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    _check_keys(raw, _QUESTION_KEYS, where, required={"id", "kind", "label", "ask", "retry"})
    kind = raw["kind"]
    if kind not in ANSWER_KINDS:
        raise FlowError(f"{where}: kind {kind!r} is not one of {', '.join(ANSWER_KINDS)}")
    options = tuple(
        _option(item, f"{where}.options[{n}]") for n, item in enumerate(raw.get("options", []))
    )
    if kind == "yes_no" and [option.value for option in options] != ["yes", "no"]:
        raise FlowError(f"{where}: a yes_no question needs options yes then no")
    max_length = raw.get("max_length", 200)
    if not isinstance(max_length, int) or max_length < 1:
        raise FlowError(f"{where}: max_length must be a positive whole number")
    return Question(
        id=_identifier(raw["id"], f"{where}.id"),
        kind=kind,
        label=_text(raw["label"], f"{where}.label"),
        ask=_text(raw["ask"], f"{where}.ask"),
        retry=_text(raw["retry"], f"{where}.retry"),
        why=_text(raw.get("why", ""), f"{where}.why", allow_empty=True),
        max_length=max_length,
        options=options,
    )


def _option(raw: Any, where: str) -> Option:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    _check_keys(raw, _OPTION_KEYS, where, required={"value", "label"})
    synonyms = raw.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise FlowError(f"{where}.synonyms: expected a list of words")
    return Option(
        value=_identifier(raw["value"], f"{where}.value"),
        label=_text(raw["label"], f"{where}.label"),
        synonyms=tuple(s.strip().lower() for s in synonyms),
    )


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str, required: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise FlowError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(raw))
    if missing:
        raise FlowError(f"{where}: missing key(s) {', '.join(missing)}")


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise FlowError(f"{where}: {value!r} must be lower_snake_case")
    return value


def _text(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise FlowError(f"{where}: expected some text")
    return value.strip()

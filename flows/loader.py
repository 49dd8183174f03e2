"""Load and validate flows, failing with a message that names the file and the key.

A flow (`definitions/*.yml`) lists its sections (`sections/*.yml`) in order, or carries its
questions itself. Sections are shared: the same question means the same thing in every
team's flow, so a practitioner reads one field the same way everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from flows.conditions import ConditionError, parse_condition, referenced_answers, referenced_scores
from flows.model import (
    ANSWER_KINDS,
    REVIEW,
    Band,
    Condition,
    Flow,
    Option,
    Question,
    RiskRule,
    Score,
    Wording,
)

FLOWS_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = FLOWS_DIR / "definitions"
SECTIONS_DIR = FLOWS_DIR / "sections"
RISK_CATEGORIES = ("self", "others", "from_others")
ENDINGS = ("ineligible", "declined")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FLOW_KEYS = {"id", "version", "title", "sections", "questions", "scores"}
_SECTION_KEYS = {"id", "title", "when", "questions", "scores"}
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
    "ends_when",
    "ends_say",
    "ends_as",
    "risk",
    "consent_for",
}
_OPTION_KEYS = {"value", "label", "synonyms", "score", "exclusive"}
_WORDING_KEYS = {"self", "other", "easy", "voice"}
_YES_NO = (Option("yes", "Yes"), Option("no", "No"))


class FlowError(ValueError):
    """A flow file is malformed; the message says which file and which key."""


def load_flows(
    directory: Path = DEFINITIONS_DIR, sections_dir: Path = SECTIONS_DIR
) -> dict[str, Flow]:
    """Load every `*.yml` flow in a directory, keyed by flow id."""
    sections = load_sections(sections_dir)
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yml")):
        flow = load_flow(path, sections)
        if flow.id in flows:
            raise FlowError(f"{path.name}: flow id {flow.id!r} is used twice")
        flows[flow.id] = flow
    return flows


def load_sections(directory: Path = SECTIONS_DIR) -> dict[str, dict[str, Any]]:
    """Every section file, raw, keyed by section id (checked when a flow uses it)."""
    sections: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yml")):
        raw = _read_mapping(path)
        _check_keys(raw, _SECTION_KEYS, path.name, required={"id", "title", "questions"})
        section_id = _identifier(raw["id"], f"{path.name}: id")
        if section_id in sections:
            raise FlowError(f"{path.name}: section id {section_id!r} is used twice")
        sections[section_id] = dict(raw, _file=path.name)
    return sections


def load_flow(path: Path, sections: dict[str, dict[str, Any]] | None = None) -> Flow:
    """Load one flow file, with its sections, and check it against the schema."""
    raw = _read_mapping(path)
    where = path.name
    _check_keys(raw, _FLOW_KEYS, where, required={"id", "version", "title"})
    flow_id = _identifier(raw["id"], f"{where}: id")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise FlowError(f"{where}: version must be a whole number from 1")
    if ("sections" in raw) == ("questions" in raw):
        raise FlowError(f"{where}: give either sections or questions")
    parts = _parts(raw, where, sections or {})
    questions: list[Question] = []
    scores: list[Score] = []
    for part_where, part in parts:
        section_when = part.get("when")
        for n, item in enumerate(part.get("questions") or []):
            questions.append(_question(item, f"{part_where}: questions[{n}]", section_when, part))
        scores.extend(_score(item, f"{part_where}: scores") for item in part.get("scores") or [])
    if not questions:
        raise FlowError(f"{where}: the flow asks no questions")
    flow = Flow(
        id=flow_id,
        version=raw["version"],
        title=_text(raw["title"], f"{where}: title"),
        questions=tuple(questions),
        scores=tuple(scores),
        sections=tuple(str(part.get("id", flow_id)) for _, part in parts),
    )
    _check_flow(flow, where)
    return flow


def _parts(
    raw: dict[str, Any], where: str, sections: dict[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    if "questions" in raw:
        return [(where, {"id": raw["id"], "questions": raw["questions"], **_scores(raw)})]
    names = raw["sections"]
    if not isinstance(names, list) or not names:
        raise FlowError(f"{where}: sections must be a non-empty list")
    parts = []
    for name in names:
        if name not in sections:
            raise FlowError(f"{where}: no section called {name!r} in flows/sections")
        parts.append((str(sections[name]["_file"]), sections[name]))
    return parts


def _scores(raw: dict[str, Any]) -> dict[str, Any]:
    return {"scores": raw["scores"]} if "scores" in raw else {}


def _question(raw: Any, where: str, section_when: Any, section: dict[str, Any]) -> Question:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    _check_keys(raw, _QUESTION_KEYS, where, required={"id", "kind", "label", "ask", "retry"})
    question_id = _identifier(raw["id"], f"{where}.id")
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
        label=_text(raw["label"], f"{where}.label"),
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
        ends_when=ends_when,
        ends_say=_wording(raw["ends_say"], f"{where}.ends_say") if "ends_say" in raw else None,
        ends_as=ends_as,
        risk=risk,
        consent_for=str(consent_for),
        section=str(section.get("id", "")),
    )


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
    if kind in ("single", "multi"):
        if not isinstance(items, list) or len(items) < 2:
            raise FlowError(f"{where}: a {kind} question needs at least two options")
        options = tuple(_option(item, f"{where}.options[{n}]") for n, item in enumerate(items))
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            raise FlowError(f"{where}: option values used twice")
        return options
    if items is not None:
        raise FlowError(f"{where}: a {kind} question has no options")
    return ()


def _option(raw: Any, where: str) -> Option:
    if not isinstance(raw, dict):
        raise FlowError(f"{where}: expected a mapping")
    _check_keys(raw, _OPTION_KEYS, where, required={"value", "label"})
    synonyms = raw.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise FlowError(f"{where}.synonyms: expected a list of words")
    score = raw.get("score")
    if score is not None and not isinstance(score, int):
        raise FlowError(f"{where}.score: expected a whole number")
    return Option(
        value=_identifier(str(raw["value"]), f"{where}.value"),
        label=_text(raw["label"], f"{where}.label"),
        synonyms=tuple(s.strip().lower() for s in synonyms),
        score=score,
        exclusive=bool(raw.get("exclusive", False)),
    )


def _score(raw: Any, where: str) -> Score:
    if not isinstance(raw, dict) or not {"id", "label", "items"} <= set(raw):
        raise FlowError(f"{where}: each score needs id, label and items")
    bands = tuple(
        Band(lowest=int(band["from"]), label=str(band["label"])) for band in raw.get("bands") or []
    )
    return Score(
        id=_identifier(raw["id"], f"{where}.id"),
        label=str(raw["label"]),
        items=tuple(str(item) for item in raw["items"]),
        bands=bands,
    )


def _check_flow(flow: Flow, where: str) -> None:
    """Ids unique; conditions look only at questions asked earlier; scores add up."""
    seen: list[str] = []
    score_ids = {score.id for score in flow.scores}
    for question in flow.questions:
        if question.id in seen:
            raise FlowError(f"{where}: question id {question.id!r} is used twice")
        if question.id == REVIEW:
            raise FlowError(f"{where}: {REVIEW!r} is reserved for the read-back")
        conditions = [question.when] if question.when else []
        for condition in conditions:
            unknown = referenced_answers(condition) - set(seen)
            if unknown:
                raise FlowError(
                    f"{where}: {question.id} depends on {', '.join(sorted(unknown))}, "
                    "which is not asked before it"
                )
            missing_scores = referenced_scores(condition) - score_ids
            if missing_scores:
                raise FlowError(f"{where}: {question.id} uses unknown score(s) {missing_scores}")
        seen.append(question.id)
    for score in flow.scores:
        for item in score.items:
            if item not in seen:
                raise FlowError(f"{where}: score {score.id} counts unknown question {item}")
            if any(option.score is None for option in flow.question(item).options):
                raise FlowError(f"{where}: score {score.id}: every option of {item} needs a score")
    if not seen:
        raise FlowError(f"{where}: the flow asks no questions")


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise FlowError(f"{path.name}: expected a mapping at the top level")
    return raw


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str, required: set[str]) -> None:
    unknown = sorted(set(raw) - allowed - {"_file"})
    if unknown:
        raise FlowError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(required - set(raw))
    if missing:
        raise FlowError(f"{where}: missing key(s) {', '.join(missing)}")


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise FlowError(f"{where}: {value!r} must be lower_snake_case")
    return value


def _positive(value: Any, where: str) -> int:
    if not isinstance(value, int) or value < 1:
        raise FlowError(f"{where}: must be a positive whole number")
    return value


def _text(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise FlowError(f"{where}: expected some text")
    return " ".join(value.split())


def _wording(value: Any, where: str, allow_empty: bool = False) -> Wording:
    """A string, or a mapping of variants with at least the plain (`self`) wording."""
    if isinstance(value, dict):
        _check_keys(value, _WORDING_KEYS, where, required={"self"})
        texts = {key: _text(value.get(key, ""), f"{where}.{key}", True) for key in _WORDING_KEYS}
        if not texts["self"]:
            raise FlowError(f"{where}.self: expected some text")
        return Wording(texts["self"], texts["other"], texts["easy"], texts["voice"])
    return Wording(_text(value, where, allow_empty))

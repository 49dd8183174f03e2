"""Load and validate flows, failing with a message that names the file and the key.

A flow (`definitions/*.yml`) lists its sections (`sections/*.yml`) in order, or carries its
questions itself. Sections are shared: the same question means the same thing in every
team's flow, so a practitioner reads one field the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.conditions import referenced_answers, referenced_scores
from flows.errors import FlowError
from flows.model import REVIEW, Flow, Question, Score
from flows.question_schema import check_keys, identifier, question_from, score_from, text

__all__ = ["FlowError", "load_flow", "load_flows", "load_sections"]

FLOWS_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = FLOWS_DIR / "definitions"
SECTIONS_DIR = FLOWS_DIR / "sections"
_FLOW_KEYS = {"id", "version", "title", "sections", "questions", "scores"}
_SECTION_KEYS = {"id", "title", "when", "questions", "scores"}


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
        check_keys(raw, _SECTION_KEYS, path.name, required={"id", "title", "questions"})
        section_id = identifier(raw["id"], f"{path.name}: id")
        if section_id in sections:
            raise FlowError(f"{path.name}: section id {section_id!r} is used twice")
        sections[section_id] = dict(raw, _file=path.name)
    return sections


def load_flow(path: Path, sections: dict[str, dict[str, Any]] | None = None) -> Flow:
    """Load one flow file, with its sections, and check it against the schema."""
    raw = _read_mapping(path)
    where = path.name
    check_keys(raw, _FLOW_KEYS, where, required={"id", "version", "title"})
    flow_id = identifier(raw["id"], f"{where}: id")
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
            questions.append(
                question_from(item, f"{part_where}: questions[{n}]", section_when, part)
            )
        scores.extend(
            score_from(item, f"{part_where}: scores") for item in part.get("scores") or []
        )
    if not questions:
        raise FlowError(f"{where}: the flow asks no questions")
    flow = Flow(
        id=flow_id,
        version=raw["version"],
        title=text(raw["title"], f"{where}: title"),
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

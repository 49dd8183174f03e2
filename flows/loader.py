"""Load and validate flows, failing with a message that names the file and the key.

A flow (`definitions/*.yml`) lists its sections (`sections/*.yml`) in order, or carries its
questions itself. Sections are shared: the same question means the same thing in every
team's flow, so a practitioner reads one field the same way everywhere.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows.conditions import every_part, referenced_answers, referenced_scores
from flows.contacts import FILE_NAME as CONTACTS_FILE
from flows.contacts import load_crisis_contacts
from flows.data_dir import data_dir as default_data_dir
from flows.eligibility import min_ages
from flows.errors import FlowError
from flows.model import CARRY_ON, REVIEW, Ending, Flow, Question, Score
from flows.placeholders import PlaceholderError, fill_all
from flows.question_schema import (
    check_keys,
    ending_from,
    identifier,
    question_from,
    score_from,
    text,
)
from flows.team_facts import TeamFacts, team_facts
from flows.team_questions import check_consents, for_flow

__all__ = ["FlowError", "Sections", "WordingFacts", "load_flow", "load_flows", "load_sections"]

FLOWS_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = FLOWS_DIR / "definitions"
SECTIONS_DIR = FLOWS_DIR / "sections"
_FLOW_KEYS = {"id", "version", "title", "sections", "questions", "scores", "ends"}
_SECTION_KEYS = {"id", "title", "when", "questions", "scores", "ends", "declined_say"}
# The placeholder for the minimum age of the teams that use a flow.
MIN_AGE = "min_age"


@dataclass(frozen=True)
class WordingFacts:
    """What a flow's wording may name: the crisis contacts ({samaritans}), and the
    minimum age of the teams that use the flow ({min_age})."""

    contacts: Mapping[str, str] = field(default_factory=dict)
    min_ages: Mapping[str, int | None] = field(default_factory=dict)
    # Each flow's team facts: its consents and the office facts its wording names.
    teams: Mapping[str, TeamFacts] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path) -> WordingFacts:
        """The contacts file and the team files in a data directory, checked."""
        contacts = load_crisis_contacts(data_dir / CONTACTS_FILE)
        teams_dir = data_dir / "teams"
        return cls(contacts.placeholders(), min_ages(teams_dir), team_facts(teams_dir))

    def team(self, flow_id: str) -> TeamFacts:
        """The facts of the team that uses this flow (none for a flow no team uses)."""
        return self.teams.get(flow_id, TeamFacts())

    def min_age(self, flow_id: str) -> int | None:
        """The minimum age of the teams that use this flow; None: any age."""
        return self.min_ages.get(flow_id)

    def values(self, flow_id: str) -> dict[str, str]:
        """Every placeholder this flow's wording may name, with its value."""
        age = self.min_age(flow_id)
        team = self.team(flow_id).placeholders
        return {**self.contacts, **team, **({MIN_AGE: str(age)} if age is not None else {})}


class Sections(dict[str, dict[str, Any]]):
    """The section files, raw, by id, with the facts their wording names (filled in for
    each flow that uses them).

    The facts travel with the sections so that `load_flow(path, sections)` keeps its two
    arguments: tests wrap it (every question reworded) and must get the same facts.
    """

    def __init__(self, sections: Mapping[str, dict[str, Any]], facts: WordingFacts) -> None:
        super().__init__(sections)
        self.facts = facts


def load_flows(
    directory: Path = DEFINITIONS_DIR,
    sections_dir: Path = SECTIONS_DIR,
    data_dir: Path | None = None,
) -> dict[str, Flow]:
    """Load every `*.yml` flow in a directory, keyed by flow id; their wording is filled
    from the data directory (default: `TRIAGE_DATA_DIR`, else `data/`).

    Checking every flow takes a third of a second, and a process may load them many times
    (each app a test builds, the CLI): flows read from files whose bytes were read before
    are those checked then (flows are frozen; the dict is a new one each time)."""
    data = data_dir or default_data_dir()
    key = (load_flow, _contents(directory, sections_dir, data))
    if key in _LOADED:
        _LOADED.move_to_end(key)
    else:
        _LOADED[key] = _load_flows(directory, sections_dir, data)
        while len(_LOADED) > _KEEP_LOADED:
            _LOADED.popitem(last=False)
    return dict(_LOADED[key])


# Flows loaded lately, by the loader in use (tests may reword every question) and the
# bytes of every file they were read from.
_LOADED: OrderedDict[tuple[object, ...], dict[str, Flow]] = OrderedDict()
_KEEP_LOADED = 8


def _contents(directory: Path, sections_dir: Path, data_dir: Path) -> tuple[object, ...]:
    """Every file the flows are read from, by name, with a hash of its bytes."""
    files = [
        *sorted(directory.glob("*.yml")),
        *sorted(sections_dir.glob("*.yml")),
        data_dir / CONTACTS_FILE,
        *sorted((data_dir / "teams").glob("*.yml")),
    ]
    return tuple(
        (str(path), hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None)
        for path in files
    )


def _load_flows(directory: Path, sections_dir: Path, data_dir: Path) -> dict[str, Flow]:
    facts = WordingFacts.load(data_dir)
    sections = Sections(load_sections(sections_dir), facts)
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
    """Load one flow file, with its sections, and check it against the schema.

    Its wording is filled from the facts the sections carry (`load_flows`), else from the
    default data directory.
    """
    raw = _read_mapping(path)
    where = path.name
    check_keys(raw, _FLOW_KEYS, where, required={"id", "version", "title"})
    flow_id = identifier(raw["id"], f"{where}: id")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise FlowError(f"{where}: version must be a whole number from 1")
    if ("sections" in raw) == ("questions" in raw):
        raise FlowError(f"{where}: give either sections or questions")
    facts = (
        sections.facts if isinstance(sections, Sections) else WordingFacts.load(default_data_dir())
    )
    values = facts.values(flow_id)
    questions: list[Question] = []
    scores: list[Score] = []
    endings: list[Ending] = []
    parts = _parts(raw, where, sections or {})
    team = facts.team(flow_id)
    for part_where, written in parts:
        part = _filled(for_flow(written, flow_id, team, part_where), values, part_where)
        section_when = part.get("when")
        for n, item in enumerate(part.get("questions") or []):
            questions.append(
                question_from(item, f"{part_where}: questions[{n}]", section_when, part)
            )
        scores.extend(
            score_from(item, f"{part_where}: scores") for item in part.get("scores") or []
        )
        endings.extend(
            ending_from(item, f"{part_where}: ends[{n}]", section_when)
            for n, item in enumerate(part.get("ends") or [])
        )
    if not questions:
        raise FlowError(f"{where}: the flow asks no questions")
    flow = Flow(
        id=flow_id,
        version=raw["version"],
        title=text(_filled({"title": raw["title"]}, values, where)["title"], f"{where}: title"),
        questions=tuple(questions),
        scores=tuple(scores),
        sections=tuple(str(part.get("id", flow_id)) for _, part in parts),
        endings=tuple(endings),
    )
    _check_flow(flow, where)
    _check_age_rule(flow, facts.min_age(flow_id), where)
    check_consents(flow, team, where)
    return flow


def _filled(raw: dict[str, Any], values: Mapping[str, str], where: str) -> dict[str, Any]:
    """The raw part with its wording's placeholders filled; an unknown one is an error."""
    try:
        filled: dict[str, Any] = fill_all(raw, values, where)
    except PlaceholderError as error:
        known = ", ".join(f"{{{name}}}" for name in sorted(values))
        raise FlowError(f"{error} (known here: {known})") from error
    return filled


def _parts(
    raw: dict[str, Any], where: str, sections: dict[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    if "questions" in raw:
        own: dict[str, Any] = {key: raw[key] for key in ("scores", "ends") if key in raw}
        return [(where, {"id": raw["id"], "questions": raw["questions"], **own})]
    names = raw["sections"]
    if not isinstance(names, list) or not names:
        raise FlowError(f"{where}: sections must be a non-empty list")
    parts = []
    for name in names:
        if name not in sections:
            raise FlowError(f"{where}: no section called {name!r} in flows/sections")
        parts.append((str(sections[name]["_file"]), sections[name]))
    return parts


def _check_flow(flow: Flow, where: str) -> None:
    """Ids unique; conditions look only at questions asked earlier; scores add up."""
    seen: list[str] = []
    score_ids = {score.id for score in flow.scores}
    for question in flow.questions:
        if question.id in seen:
            raise FlowError(f"{where}: question id {question.id!r} is used twice")
        ends = question.ends_when is not None
        if flow.sends_essentials_first and ends and not question.essential:
            # Endings come before sending: once sent, nothing may end it unsent.
            raise FlowError(f"{where}: {question.id} can end the conversation: mark it essential")
        if question.id in (REVIEW, CARRY_ON):
            raise FlowError(f"{where}: {question.id!r} is reserved")
        conditions = [question.when] if question.when else []
        for condition in conditions:
            unknown = referenced_answers(condition) - set(seen)
            if unknown:
                raise FlowError(
                    f"{where}: {question.id} depends on {', '.join(sorted(unknown))}, "
                    "which is not asked before it"
                )
            if question.essential:
                # Essentials are asked before the rest, so they may only look at essentials.
                later = {
                    name
                    for name in referenced_answers(condition)
                    if not flow.question(name).essential
                }
                if later:
                    raise FlowError(
                        f"{where}: essential question {question.id} depends on "
                        f"{', '.join(sorted(later))}, which is not essential"
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
    for ending in flow.endings:
        if flow.sends_essentials_first and any(
            not flow.question(name).essential for name in ending.after & set(seen)
        ):
            raise FlowError(f"{where}: an ending looks at answers that are not essential")
        never_asked = ending.after - set(seen)
        if never_asked:
            raise FlowError(
                f"{where}: an ending depends on {', '.join(sorted(never_asked))}, "
                "which the flow never asks"
            )


def _check_age_rule(flow: Flow, min_age: int | None, where: str) -> None:
    """The flow ends on an age exactly when its teams set a minimum age, and on that age:
    a team file and its flow cannot disagree."""
    conditions = [q.ends_when for q in flow.questions if q.ends_when is not None]
    conditions += [ending.when for ending in flow.endings]
    ages = {
        part.age_under
        for condition in conditions
        for part in every_part(condition)
        if part.age_under is not None
    }
    if min_age is None and ages:
        raise FlowError(
            f"{where}: {flow.id} ends on an age, but no team file that uses it sets "
            "eligibility.min_age"
        )
    if min_age is not None and ages != {min_age}:
        raise FlowError(
            f"{where}: the team files that use {flow.id} set eligibility.min_age {min_age}, "
            f"but it ends on {sorted(ages) or 'no age'}: give it an ending when the date of "
            f'birth is under it (age_under: "{{{MIN_AGE}}}")'
        )


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise FlowError(f"{path.name}: expected a mapping at the top level")
    return raw

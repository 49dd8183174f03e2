"""A shared section as one flow asks it: the questions and options only some flows ask
(`only_in: [south_essex]`), and the team's own consents where the section says
`team_consents` (its file's `consents:`, see flows/team_facts.py).

A flow's consents are exactly its team file's: the loader refuses any other.
"""

from __future__ import annotations

from typing import Any

from flows.errors import FlowError
from flows.model import Flow
from flows.team_facts import TeamFacts

# Written in a section's questions where the team's own consents are asked (its file's
# `consents:` whose `asked_in` is this section).
TEAM_CONSENTS = "team_consents"
# A question or option only some flows ask or offer: `only_in: [south_essex]`.
ONLY_IN = "only_in"


def for_flow(part: dict[str, Any], flow_id: str, team: TeamFacts, where: str) -> dict[str, Any]:
    """The part as this flow asks it: questions and options `only_in` other flows left
    out, and the team's consents written in where the part says `team_consents`."""
    questions: list[Any] = []
    for item in part.get("questions") or []:
        if item == TEAM_CONSENTS:
            questions.extend(_team_consents(part, team, where))
        elif _in_flow(item, flow_id, where):
            questions.append(_options_for(dict(item), flow_id, where))
    return {**part, "questions": questions}


def _in_flow(item: Any, flow_id: str, where: str) -> bool:
    if not isinstance(item, dict) or ONLY_IN not in item:
        return True
    only = item[ONLY_IN]
    if not isinstance(only, list) or not all(isinstance(name, str) for name in only):
        raise FlowError(f"{where}: {ONLY_IN} must be a list of flow ids")
    return flow_id in only


def _options_for(item: dict[str, Any], flow_id: str, where: str) -> dict[str, Any]:
    item.pop(ONLY_IN, None)
    if isinstance(item.get("options"), list):
        item["options"] = [
            {key: value for key, value in option.items() if key != ONLY_IN}
            if isinstance(option, dict)
            else option
            for option in item["options"]
            if _in_flow(option, flow_id, where)
        ]
    return item


def _team_consents(part: dict[str, Any], team: TeamFacts, where: str) -> list[dict[str, Any]]:
    """The team's consents asked in this part, as question mappings: yes/no, stamped as a
    consent for their recipient; the required one essential, read back, and ending kindly
    (with the part's `declined_say`) when refused."""
    asked = []
    for consent in team.consents:
        if consent.asked_in != part.get("id"):
            continue
        question: dict[str, Any] = {
            "id": consent.question_id,
            "kind": "yes_no",
            "consent_for": consent.recipient,
            **consent.written,
        }
        if consent.required:
            if "declined_say" not in part:
                raise FlowError(f"{where}: a required consent needs the section's declined_say")
            question.update(
                essential=True,
                readback=True,
                ends_when={"is": False},
                ends_as="declined",
                ends_say=part["declined_say"],
            )
        asked.append(question)
    return asked


def check_consents(flow: Flow, team: TeamFacts, where: str) -> None:
    """The consents a flow asks are exactly its team file's: none written in a section,
    none of the team's left unasked, and the privacy notice shown where the team has one."""
    consent_questions = [q for q in flow.questions if q.consent_for]
    asked = {q.consent_for: q for q in consent_questions}
    own = {consent.recipient for consent in team.consents}
    file_ids = {consent.question_id for consent in team.consents}
    written = [q.id for q in consent_questions if q.id not in file_ids]
    if written:
        # A consent written in a section, even for a recipient the file also names,
        # would be asked in words the team never agreed.
        raise FlowError(
            f"{where}: {', '.join(written)} asks a consent the team file does not: write "
            f"consents in the team file, and mark where they are asked with `- {TEAM_CONSENTS}`"
        )
    if not team.consents:
        if asked:
            raise FlowError(f"{where}: consents are asked, but no team file gives consents")
        return
    if set(asked) != own:
        raise FlowError(
            f"{where}: asks consent for {sorted(asked)}, but its team file "
            f"({team.source}) gives {sorted(own)}: write consents in the team file, and "
            f"mark where they are asked with `- {TEAM_CONSENTS}` in a section"
        )
    notice = team.placeholders.get("privacy_notice")
    required = next(consent for consent in team.consents if consent.required)
    wording = asked[required.recipient].ask
    if notice and not all(notice in text for text in wording.all() if text != wording.voice):
        raise FlowError(
            f"{where}: {required.question_id} must show the privacy notice "
            "({privacy_notice}) in each written wording"
        )

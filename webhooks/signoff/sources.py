"""What a document is built from, read from the data directory the gateway uses: the team,
the flow it talks through, its section titles and the gateway's own wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flows import Flow, load_flows
from flows.loader import SECTIONS_DIR, WordingFacts, load_sections
from flows.placeholders import fill
from webhooks.teams import Team, load_teams
from webhooks.wording import Wording


class UnknownTeam(LookupError):
    """No team has this id; the message lists the ids there are."""


@dataclass(frozen=True)
class Sources:
    """One team's flow and everything needed to say it."""

    team: Team
    flow: Flow
    # Section id -> its title, as the flow's wording is filled (e.g. the minimum age).
    section_titles: Mapping[str, str]
    wording: Wording

    @classmethod
    def load(cls, team_id: str, data_dir: Path) -> Sources:
        """The team with this id and the flow its conversations use (its first)."""
        teams = load_teams(data_dir / "teams")
        team = teams.by_id(team_id)
        if team is None:
            known = ", ".join(sorted(teams.teams))
            raise UnknownTeam(f"no team {team_id!r}; teams are: {known}")
        flow = load_flows(data_dir=data_dir)[team.flows[0]]
        values = WordingFacts.load(data_dir).values(flow.id)
        titles = {
            section_id: fill(str(raw["title"]), values, f"{raw['_file']}: title")
            for section_id, raw in load_sections(SECTIONS_DIR).items()
        }
        return cls(team, flow, titles, Wording.load(data_dir / "messages.yml"))

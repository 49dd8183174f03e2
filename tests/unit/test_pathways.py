"""A referral's pathway, read from its answers by data/pathways.yml."""

from __future__ import annotations

import pytest

from flows import load_flows
from webhooks.config import PROJECT_ROOT
from webhooks.pathways import load_rules, pathway_for
from webhooks.teams import load_teams

TEAMS = load_teams(PROJECT_ROOT / "data" / "teams")
COVENTRY = TEAMS.by_id("coventry-warwickshire")
SOUTH_ESSEX = TEAMS.by_id("south-essex")


@pytest.mark.parametrize(
    ("given", "pathway"),
    [
        ({"justice_status": "in_custody"}, "custody"),
        ({"coventry_site": "custody_nuneaton"}, "custody"),
        ({"coventry_site": "court_leamington"}, "court"),
        ({"justice_status": "bail", "contact_place": "court"}, "court"),
        ({"contact_place": "community"}, "outreach"),
        ({"justice_status": "bail"}, "reception"),
        ({}, "reception"),
    ],
)
def test_coventry_referrals_are_placed_on_the_pathway_their_answers_name(
    given: dict[str, object], pathway: str
) -> None:
    assert COVENTRY is not None
    assert pathway_for(COVENTRY.hours, given) == pathway


def test_a_pathway_the_team_does_not_have_leaves_it_with_the_pickup_one() -> None:
    assert SOUTH_ESSEX is not None
    assert pathway_for(SOUTH_ESSEX.hours, {"justice_status": "in_custody"}) == "all"


def test_every_rule_reads_a_question_and_answers_some_flow_asks() -> None:
    options: dict[str, set[str]] = {}
    for flow in load_flows().values():
        for question in flow.questions:
            options.setdefault(question.id, set()).update(o.value for o in question.options)
    for rule in load_rules():
        assert rule.question in options, rule
        assert rule.answers <= options[rule.question], rule

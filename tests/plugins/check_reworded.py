"""Run only under `-p tests.plugins.reworded_questions` (named on the command line by
`make test-reworded`; not collected otherwise): the rewording is in force."""

from __future__ import annotations

from flows import load_flows
from tests.plugins.reworded_questions import SUFFIX


def test_every_question_of_every_flow_is_reworded_in_this_run() -> None:
    flows = load_flows()
    assert flows
    for flow in flows.values():
        for question in flow.questions:
            assert all(text.endswith(SUFFIX) for text in question.ask.all()), question.id

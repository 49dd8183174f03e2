"""Each flow as a FHIR R4 Questionnaire: parsed back by fhir.resources' own model, every
question once, typed by its kind, shown on the flow's own conditions where FHIR can say
them, and never demanded where it cannot."""

from __future__ import annotations

import json
from functools import cache

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from flows import Flow, load_flows
from flows.model import Condition
from tests.support.fhir import FLOW_IDS, Json, items, link_ids
from webhooks.fhir import flow_questionnaire, section_titles
from webhooks.fhir.enable_when import enable_when
from webhooks.fhir.questionnaire import section_link


@cache
def questionnaire(flow_id: str) -> Json:
    """The flow's Questionnaire as a client reads it: the JSON, parsed back (made once per
    flow: the tests only read it)."""
    made = flow_questionnaire(load_flows()[flow_id], section_titles())
    body: Json = json.loads(made.model_dump_json())
    Questionnaire.model_validate(body)
    return body


def by_link(body: Json) -> dict[str, Json]:
    return {item["linkId"]: item for item in items(body)}


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_every_question_is_an_item_once_in_its_sections_group(flow_id: str) -> None:
    flow = load_flows()[flow_id]
    body = questionnaire(flow_id)
    assert (body["url"], body["version"], body["status"]) == (
        f"urn:ld-triage:questionnaire:{flow_id}",
        str(flow.version),
        "active",
    )
    assert body["title"] == flow.title
    ids = link_ids(body)
    assert len(ids) == len(set(ids))
    groups = {group["linkId"]: group for group in body["item"]}
    for question in flow.questions:
        group = groups[section_link(question.section)]
        assert question.id in [item["linkId"] for item in group["item"]]
    assert groups[section_link("about_you")]["text"] == "About the person"


def test_items_are_typed_by_the_answer_kind() -> None:
    found = by_link(questionnaire("coventry_warwickshire"))
    assert found["full_name"]["type"] == "string"
    assert found["full_name"]["maxLength"] == 100
    assert found["full_name"]["text"] == "What is your full name?"
    assert found["risk_to_self_details"]["type"] == "text"  # up to 600 characters
    assert found["date_of_birth"]["type"] == "date"
    assert found["risk_to_self"]["type"] == "boolean"
    assert found["contact_number"]["type"] == "string"
    best_time = found["best_time"]
    assert best_time["type"] == "choice"
    assert "repeats" not in best_time
    assert {
        "system": "urn:ld-triage:question:best_time",
        "code": "morning",
        "display": "Morning",
    } in [option["valueCoding"] for option in best_time["answerOption"]]
    assert found["contact_avoid"]["repeats"] is True
    assert found["postcode"].get("required") is None  # optional in the flow
    assert found["full_name"]["required"] is True


def test_scores_are_read_only_integers_in_their_questions_section() -> None:
    body = questionnaire("coventry_warwickshire")
    phq = next(group for group in body["item"] if group["linkId"] == section_link("phq"))
    score = next(item for item in phq["item"] if item["linkId"] == "phq9")
    assert (score["type"], score["readOnly"], score["text"]) == ("integer", True, "PHQ-9 score")
    assert [child["linkId"] for child in score["item"]] == ["phq9-band"]


def test_a_simple_condition_becomes_enable_when() -> None:
    found = by_link(questionnaire("coventry_warwickshire"))
    assert found["recent_contact_outcome"]["enableWhen"] == [
        {"question": "recent_contact", "operator": "=", "answerBoolean": True}
    ]
    assert found["link_gp_details"]["enableWhen"] == [
        {
            "question": "links",
            "operator": "=",
            "answerCoding": {"system": "urn:ld-triage:question:links", "code": "gp"},
        }
    ]
    # "is: [professional, family_friend]": either value enables it.
    referrer_name = found["referrer_name"]
    assert referrer_name["enableBehavior"] == "any"
    assert [test["answerCoding"]["code"] for test in referrer_name["enableWhen"]] == [
        "professional",
        "family_friend",
    ]


def test_a_condition_fhir_cannot_say_is_left_out_and_the_item_is_not_required() -> None:
    found = by_link(questionnaire("coventry_warwickshire"))
    # Under 18 (an age from the date of birth); a PHQ-2 score of 3 or more.
    for link_id in ("guardian_name", "youth_offending_team", "phq_3"):
        assert "enableWhen" not in found[link_id]
        assert "required" not in found[link_id]
    # Asked of everyone who refers themselves: shown on that, and required then.
    assert found["phq_1"]["enableWhen"][0]["answerCoding"]["code"] == "self"
    assert found["phq_1"]["required"] is True


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_enable_when_names_earlier_items_and_their_own_options(flow_id: str) -> None:
    found = by_link(questionnaire(flow_id))
    order = link_ids(questionnaire(flow_id))
    for link_id, item in found.items():
        for test in item.get("enableWhen", []):
            asked = found[test["question"]]
            assert order.index(test["question"]) < order.index(link_id)
            if "answerCoding" in test:
                options = [option["valueCoding"] for option in asked["answerOption"]]
                assert test["answerCoding"]["code"] in [option["code"] for option in options]
                assert test["answerCoding"]["system"] == options[0]["system"]
            if "answerBoolean" in test and test["operator"] == "=":
                assert asked["type"] == "boolean"


def test_no_partial_enable_when_for_a_mixed_condition() -> None:
    flow: Flow = load_flows()["coventry_warwickshire"]
    referrer = Condition(answer="referrer", is_=("professional", "family_friend"))
    under_18 = Condition(answer="date_of_birth", age_under=18)
    assert enable_when(Condition(all=(referrer, under_18)), flow) == {}
    # Several values inside an `all` cannot be flattened either.
    agreed = Condition(answer="person_agrees", is_=(True,))
    assert enable_when(Condition(all=(referrer, agreed)), flow) == {}
    assert enable_when(Condition(negate=agreed), flow) == {}
    assert enable_when(Condition(score="phq2", at_least=3), flow) == {}
    # Both simple: all of them.
    self_referral = Condition(answer="referrer", is_=("self",))
    both = enable_when(Condition(all=(self_referral, agreed)), flow)
    assert both["enableBehavior"] == "all"
    assert [test["question"] for test in both["enableWhen"]] == ["referrer", "person_agrees"]

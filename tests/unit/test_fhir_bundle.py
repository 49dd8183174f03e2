"""A referral as a FHIR R4 Bundle, built from a referral walked through each team's flow
(kept in memory here; tests/gateway/test_api_fhir.py stores one and fetches it)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from flows import load_flows
from tests.conftest import OPEN_HOURS
from tests.support.fhir import (
    FLOW_IDS,
    Json,
    answered,
    link_ids,
    references,
    resources,
    walked_record,
)
from webhooks.db.models import Referral, ReferralAnswer
from webhooks.fhir import ExportContext, bundle_json, referral_bundle, section_titles

TEAM_NAME = "South Essex Liaison and Diversion"
TITLES = section_titles()


def in_memory(record: Json, **fields: Any) -> Referral:
    """The referral as the gateway would store it, without a database."""
    referral = Referral(
        reference="K7Q2M4XP",
        team_id="south-essex",
        channel="sms",
        flow_id=record["flow_id"],
        flow_version=record["flow_version"],
        status="new",
        complete=record["complete"],
        perspective=record["perspective"],
        scores={"scores": record["scores"]},
        urgent=False,
        time_critical=False,
        submitted_at=OPEN_HOURS,
    )
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.answers = [
        ReferralAnswer(
            position=position,
            question_id=answer["question_id"],
            kind=answer["kind"],
            label=answer["label"],
            prompt=answer["prompt"],
            value={"v": answer["value"]},
            display=answer["display"],
            skipped=answer["skipped"],
            section=answer["section"],
        )
        for position, answer in enumerate(record["answers"])
    ]
    return referral


def context(referral: Referral, **fields: Any) -> ExportContext:
    return ExportContext(
        generated_at=OPEN_HOURS + timedelta(hours=1),
        flow=load_flows()[referral.flow_id],
        section_titles=TITLES,
        team_name=TEAM_NAME,
        **fields,
    )


def exported(referral: Referral, **fields: Any) -> Json:
    """The bundle as a client reads it: the JSON, parsed back by fhir.resources."""
    body: Json = json.loads(
        referral_bundle(referral, context(referral, **fields)).model_dump_json()
    )
    Bundle.model_validate(body)
    return body


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_every_answer_is_in_the_response_under_a_question_of_the_questionnaire(
    flow_id: str,
) -> None:
    record = walked_record(flow_id)
    bundle = exported(in_memory(record))
    assert bundle["type"] == "collection"
    found = resources(bundle)
    assert set(found) == {"ServiceRequest", "Patient", "QuestionnaireResponse", "Questionnaire"}
    response, questionnaire = found["QuestionnaireResponse"], found["Questionnaire"]
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    asked = set(link_ids(questionnaire))
    assert set(link_ids(response)) <= asked
    given = answered(response)
    for answer in record["answers"]:
        assert answer["question_id"] in link_ids(response)
        assert (answer["question_id"] in given) is (not answer["skipped"])


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_references_inside_the_bundle_are_its_own_entries(flow_id: str) -> None:
    bundle = exported(in_memory(walked_record(flow_id)))
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert all(url.startswith("urn:uuid:") for url in urls)
    inside = [ref for ref in references(bundle) if ref.startswith("urn:")]
    assert inside
    assert set(inside) <= set(urls)
    request = resources(bundle)["ServiceRequest"]
    patient = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert request["subject"]["reference"] == patient


def test_answers_are_typed_as_their_items() -> None:
    record = walked_record("coventry_warwickshire")
    given = answered(resources(exported(in_memory(record)))["QuestionnaireResponse"])
    assert given["full_name"] == [{"valueString": "Sam Jones"}]
    assert given["date_of_birth"] == [{"valueDate": "1991-04-03"}]
    assert given["risk_to_self"] == [{"valueBoolean": False}]
    assert given["contact_avoid"] == [
        {
            "valueCoding": {
                "system": "urn:ld-triage:question:contact_avoid",
                "code": code,
                "display": label,
            }
        }
        for code, label in (("voicemail", "Voicemail"), ("letter", "Letter"))
    ]
    assert given["best_time"][0]["valueCoding"]["code"] == "afternoon"
    # The PHQ-2 was positive, so the PHQ-9 was asked whole: its total, with its band.
    [phq9] = given["phq9"]
    assert isinstance(phq9["valueInteger"], int)
    assert phq9["item"][0]["answer"][0]["valueString"]
    # The GAD-2 was negative: a GAD-7 total over two questions is not a score.
    assert "gad7" not in given
    assert "gad2" in given


def test_a_skipped_question_has_an_item_and_no_answer() -> None:
    record = walked_record("coventry_warwickshire")
    skipped = [a["question_id"] for a in record["answers"] if a["skipped"]]
    assert skipped  # the demo answers skip one
    response = resources(exported(in_memory(record)))["QuestionnaireResponse"]
    assert set(skipped) <= set(link_ids(response))
    assert not set(skipped) & set(answered(response))


def test_each_item_keeps_the_wording_the_person_saw() -> None:
    record = walked_record("south_essex", branch="professional")
    response = resources(exported(in_memory(record)))["QuestionnaireResponse"]
    texts = {item["linkId"]: item.get("text") for item in _questions(response)}
    for answer in record["answers"]:
        assert texts[answer["question_id"]] == answer["prompt"]
    assert texts["full_name"] == "What is the full name of the person you are referring?"


def _questions(response: Json) -> list[Json]:
    return [item for group in response["item"] for item in group["item"]]


def test_the_patient_is_who_the_answers_say() -> None:
    patient = resources(exported(in_memory(walked_record("together_london"))))["Patient"]
    assert patient["meta"]["profile"] == [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    ]
    assert patient["name"] == [{"text": "Sam Jones"}]
    assert patient["birthDate"] == "1991-04-03"
    assert patient["telecom"] == [{"system": "phone", "value": "+447911123456"}]
    assert patient["address"] == [{"text": "12 High Street, Coventry", "postalCode": "CV1 4FS"}]
    # No flow asks for an NHS number or gender: nothing is made up.
    assert "identifier" not in patient
    assert "gender" not in patient


def test_a_young_persons_guardian_is_their_contact() -> None:
    record = walked_record(
        "coventry_warwickshire",
        date_of_birth="03/04/2011",
        guardian_name="Jo Smith",
        guardian_phone="024 7696 1000",
        youth_offending_team="/skip",
    )
    patient = resources(exported(in_memory(record)))["Patient"]
    assert patient["contact"] == [
        {
            "relationship": [{"text": "Parent or guardian"}],
            "name": {"text": "Jo Smith"},
            "telecom": [{"system": "phone", "value": "+442476961000"}],
        }
    ]


@pytest.mark.parametrize(
    ("urgent", "time_critical", "priority"),
    [
        (False, False, "routine"),
        (True, False, "asap"),
        (False, True, "urgent"),
        (True, True, "asap"),
    ],
)
def test_priority_follows_risk_and_time(urgent: bool, time_critical: bool, priority: str) -> None:
    referral = in_memory(walked_record("south_essex"), urgent=urgent, time_critical=time_critical)
    assert resources(exported(referral))["ServiceRequest"]["priority"] == priority


def test_the_request_says_who_why_and_to_whom() -> None:
    referral = in_memory(
        walked_record("south_essex", justice_status="In police custody now"),
        urgent=True,
        time_critical=True,
        time_critical_reasons={"reasons": ["in_custody"]},
    )
    request = resources(
        exported(
            referral,
            risk_categories=["self", "self"],
            time_critical_labels={"in_custody": "In police custody now"},
        )
    )["ServiceRequest"]
    assert (request["status"], request["intent"]) == ("active", "order")
    assert request["identifier"] == [{"system": "urn:ld-triage:referral", "value": "K7Q2M4XP"}]
    assert request["authoredOn"].startswith("2026-11-24T10:00:00")
    assert request["performer"] == [
        {
            "type": "Organization",
            "identifier": {"system": "urn:ld-triage:team", "value": "south-essex"},
            "display": TEAM_NAME,
        }
    ]
    assert request["requester"]["type"] == "Patient"  # a self-referral
    assert request["code"] == {"text": "South Essex referral"}
    assert [reason["coding"][0] for reason in request["reasonCode"]] == [
        {
            "system": "urn:ld-triage:risk",
            "code": "self",
            "display": "Risk to self (self-harm, suicidal thoughts)",
        },
        {
            "system": "urn:ld-triage:time-critical",
            "code": "in_custody",
            "display": "In police custody now",
        },
    ]


def test_a_referral_for_someone_else_names_the_referrer() -> None:
    referral = in_memory(walked_record("south_essex", branch="professional"))
    found = resources(exported(referral))
    assert found["ServiceRequest"]["requester"] == {"display": "PC Dan Hughes"}
    assert found["QuestionnaireResponse"]["source"] == {"display": "PC Dan Hughes"}


def test_an_incomplete_referral_is_a_draft_with_answers_in_progress() -> None:
    record = walked_record("south_essex")
    record = {**record, "complete": False, "answers": record["answers"][:5], "scores": []}
    found = resources(exported(in_memory(record)))
    assert found["ServiceRequest"]["status"] == "draft"
    assert found["QuestionnaireResponse"]["status"] == "in-progress"


def test_the_same_referral_has_the_same_entries_each_time() -> None:
    referral = in_memory(walked_record("south_essex"))
    first, again = exported(referral), exported(referral)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in again["entry"]]
    other = in_memory(walked_record("south_essex"), reference="Z9Z9Z9Z9")
    assert {e["fullUrl"] for e in exported(other)["entry"][:3]}.isdisjoint(
        e["fullUrl"] for e in first["entry"]
    )


def test_an_older_flow_version_still_exports_its_answers() -> None:
    record = walked_record("south_essex")
    referral = in_memory(record, flow_version=record["flow_version"] + 1)
    # The route hands in no flow when the version the referral was made with is gone.
    body = bundle_json(referral, ExportContext(generated_at=OPEN_HOURS, section_titles=TITLES))
    Bundle.model_validate(body)
    found = resources(body)
    assert "Questionnaire" not in found
    response = found["QuestionnaireResponse"]
    assert response["questionnaire"].endswith(f"|{record['flow_version'] + 1}")
    # Still grouped by the stored section, each single choice with its stored label.
    given = answered(response)
    assert given["best_time"][0]["valueCoding"]["display"] == "Afternoon"
